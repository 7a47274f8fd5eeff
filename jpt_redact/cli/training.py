"""`jpt-redact train`, `synth` and `export-onnx`: thin wrappers, imported lazily."""
from __future__ import annotations

import click

from .. import io
from . import common


@click.command("train")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False), help="Training config (YAML).")
@click.option("--no-resume", is_flag=True, help="Start over instead of resuming from the last checkpoint.")
def train_command(config_path: str, no_resume: bool) -> None:
    """Train the JPT heads (and LoRA) from a config file."""
    from ..train.loop import train_from_config

    result = train_from_config(config_path, resume=not no_resume)
    if result is not None:
        click.echo(f"checkpoint: {result}")


@click.command("synth")
@common.policy_option
@click.option("-n", "count", type=click.IntRange(min=1), required=True, help="Number of examples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same data).")
@click.option("--split", type=click.Choice(["train", "dev"]), default="train", show_default=True,
              help="dev uses held-out template families, so it never repeats the train split.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Output JSONL.")
def synth_command(policy_ref: str, count: int, seed: int, split: str, output: str) -> None:
    """Generate synthetic labelled examples (fake PII) for a policy's types."""
    from ..train.synth import generate_for_policy

    policy = common.load_cli_policy(policy_ref)
    examples = generate_for_policy(policy, count, seed, split=split)
    n = 0
    with io.atomic_writer(output) as fh:
        for ex in examples:
            fh.write(common.dumps(ex.to_dict()) + "\n")
            n += 1
    click.echo(f"wrote {n} examples to {output}", err=True)


@click.command("export-onnx")
@click.option("--checkpoint", default=None, metavar="DIR", help="Checkpoint directory (default: the shipped model).")
@click.option("--backbone", default=None, metavar="PATH", help="Backbone the checkpoint was trained on (default: the shipped one).")
@click.option("-o", "--out-dir", default=None, type=click.Path(file_okay=False),
              help="Also copy model.onnx + meta.json here (the export is always cached for the onnx backends).")
@click.option("--int8", is_flag=True, help="Also write a dynamically quantised int8 model (used with the policy's model.onnx_precision: int8 or --onnx-precision int8; see docs/backends.md).")
@click.option("--opset", type=click.IntRange(17, 18), default=17, show_default=True, help="ONNX opset.")
def export_onnx_command(checkpoint: str | None, backbone: str | None, out_dir: str | None, int8: bool, opset: int) -> None:
    """Export the backbone (cut at the checkpoint's layer, LoRA merged) to ONNX, with past
    key/value inputs so the policy prefix is computed once. Exports once per model."""
    from ..runtime.onnx_export import export_onnx

    result = export_onnx(checkpoint, out_dir, int8=int8, opset=opset, backbone=backbone)
    click.echo(f"exported ({'int8' if int8 else 'fp32'}, opset {opset}) to {result}")
