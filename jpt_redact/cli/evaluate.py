"""`jpt-redact eval`: precision/recall/F1 and leak rate of a policy on labelled data."""
from __future__ import annotations

from pathlib import Path

import click

from . import common


@click.command("eval")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False), help="Labelled data file.")
@common.data_options
@common.policy_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N", help="Only the first N examples.")
@common.model_options
@common.batch_option
@common.quiet_option
def eval_command(data_path, fmt, label_map, policy_ref, as_json, limit, no_model, batch_size, quiet, **model) -> None:
    """Evaluate a policy's detection against gold spans (strict and overlap P/R/F1, leak rate)."""
    policy = common.load_cli_policy(policy_ref, **model)
    mapping = common.load_label_map(label_map)
    from ..evaluate import evaluate, render_table

    examples = common.load_labelled(data_path, fmt, limit)
    redactor = common.build_redactor(policy, use_model=not no_model)
    step = batch_size or common.DEFAULT_DOCS_PER_CALL
    preds = []
    with common.progress_bar(len(examples), "evaluating", enabled=not quiet) as bar:
        for lo in range(0, len(examples), step):
            chunk = examples[lo : lo + step]
            for result in redactor.analyze_many([ex.text for ex in chunk], batch_size=len(chunk)):
                preds.append([(s.start, s.end, s.label) for s in result.spans])
            bar.advance(len(chunk))
    report = evaluate(examples, preds, label_map=mapping)
    title = f"{policy.name} on {Path(data_path).name}"
    click.echo(common.dumps(report.to_dict(), pretty=True) if as_json else render_table(report, title=title).rstrip("\n"))
