"""`jpt-redact calibrate`: fit per-type model thresholds of a policy on labelled dev data."""
from __future__ import annotations

from pathlib import Path

import click

from ..errors import DataError
from . import common


@click.command("calibrate")
@click.option("--data", "data_paths", required=True, multiple=True, type=click.Path(dir_okay=False),
              help="Labelled dev data (repeatable). Each file only judges the types its gold spans use.")
@common.data_options
@common.policy_option
@click.option("--beta", type=click.FloatRange(min=0.1, max=10), default=1.0, show_default=True,
              help="Weight of character recall against entity precision (F-beta).")
@click.option("--min-gain", type=click.FloatRange(min=0, max=1), default=0.002, show_default=True,
              help="Smallest gain of the objective worth moving a threshold for (guards against fitting noise).")
@click.option("--limit", type=click.IntRange(min=1), default=None, metavar="N", help="Only the first N examples of each file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, metavar="OUT.yaml",
              help="Write a copy of the policy with the fitted thresholds (never the policy file itself).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@common.model_options
@common.batch_option
def calibrate_command(data_paths, fmt, label_map, policy_ref, beta, min_gain, limit, output, as_json, no_model,
                      batch_size, **model) -> None:
    """Fit one model threshold per type for the best F-beta of entity precision and character recall."""
    if no_model:
        raise DataError("--no-model: calibration fits the model's thresholds, it needs the model")
    policy = common.load_cli_policy(policy_ref, **model)
    if output is not None and policy.source and Path(output).resolve() == Path(policy.source).resolve():
        raise DataError(f"{output}: refusing to overwrite the policy being calibrated; choose another output path")
    mapping = common.load_label_map(label_map)
    from ..calibrate import calibrate, policy_with_thresholds
    from ..io import write_text_atomic

    datasets = {Path(path).name: common.load_labelled(path, fmt, limit) for path in data_paths}
    redactor = common.build_redactor(policy)
    result = calibrate(redactor, datasets, label_map=mapping, beta=beta, min_gain=min_gain, batch_size=batch_size)
    if output is not None:
        if not policy.source or not Path(policy.source).is_file():
            raise DataError("-o needs a policy loaded from a YAML file")
        text = policy_with_thresholds(Path(policy.source).read_text(encoding="utf-8"), result.thresholds)
        write_text_atomic(output, text, inputs=[policy.source, *data_paths])
    if as_json:
        click.echo(common.dumps(result.to_dict(), pretty=True))
        return
    fb = f"F{beta:g}"
    rows = [("all", "before", result.before), ("all", "after", result.after)]
    rows += [(name, when, d) for name, ds in result.per_dataset.items() for when, d in ds.items()]
    width = max(len(name) for name, _, _ in rows)
    click.echo(f"{'data':<{width}} {'':<6} {'ent.prec':>8} {'char rec':>8} {fb:>6}")
    for name, when, d in rows:
        click.echo(f"{name:<{width}} {when:<6} {d.entity_precision:>8.3f} {d.char_recall:>8.3f} {d.f:>6.3f}")
    click.echo("thresholds: " + ", ".join(f"{k}={policy.threshold_for(k):g}->{v:g}" for k, v in result.thresholds.items()))
    if output is not None:
        click.echo(f"wrote {output}")
