"""`jpt-redact eval`: precision/recall/F1 and leak rate of a policy on labelled data."""
from __future__ import annotations

from pathlib import Path

import click
import yaml

from ..errors import DataError
from . import common

FORMAT_ALIASES = {"presidio-json": "presidio"}


def _label_map(path: str | None) -> dict[str, str] | None:
    if path is None:
        return None
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot read label map ({exc.strerror})") from None
    except yaml.YAMLError:
        raise DataError(f"{path}: label map is not valid YAML") from None
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise DataError(f"{path}: label map must be a mapping of gold label -> policy label")
    return data


@click.command("eval")
@click.option("--data", "data_path", required=True, type=click.Path(dir_okay=False), help="Labelled data file.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "conll", "json", "presidio-json"]), default=None,
              help="Data format (default: from the file extension).")
@common.policy_option
@click.option("--label-map", type=click.Path(dir_okay=False), default=None, metavar="M.yaml",
              help="YAML mapping of gold labels to the policy's labels (e.g. PER: PERSON).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N", help="Only the first N examples.")
@common.model_options
@common.batch_option
@common.quiet_option
def eval_command(data_path, fmt, policy_ref, label_map, as_json, limit, backend, no_model, batch_size, quiet) -> None:
    """Evaluate a policy's detection against gold spans (strict and overlap P/R/F1, leak rate)."""
    policy = common.load_cli_policy(policy_ref, backend)
    mapping = _label_map(label_map)
    from ..evaluate import evaluate, render_table
    from ..data import load_examples

    examples = load_examples(data_path, FORMAT_ALIASES.get(fmt, fmt) if fmt else None)
    if limit is not None:
        examples = examples[:limit]
    if not examples:
        raise DataError(f"{data_path}: no examples")
    redactor = common.build_redactor(policy, use_model=not no_model)
    step = batch_size or 32
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
