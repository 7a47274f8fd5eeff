"""`jpt-redact analyze IN.jsonl -o OUT.jsonl`: spans only, for evaluation tooling.

Input lines: {"id": ..., "text": "..."} (id optional: the 1-based line number is used).
Output lines: {"id": ..., "spans": [{"start", "end", "label", "score"}]}, in input order, with
character offsets into `text`. Documents go to the model in batches.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from .. import io
from ..errors import InputError
from ..redactor import check_text
from . import common


def _records(path: str) -> Iterator[tuple[Any, str]]:
    """(id, text) per non-blank line; InputError naming file and line on anything malformed."""
    if path == "-":
        stream_cm: Any = nullcontext(common.stdin_binary())
        source = "<stdin>"
    else:
        if not Path(path).is_file():
            raise InputError(f"{path}: no such file")
        stream_cm = open(path, "rb")
        source = path
    with stream_cm as stream:
        for lineno, raw in enumerate(stream, start=1):
            where = f"{source}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InputError(f"{where}: invalid UTF-8 at byte {exc.start} of the line") from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}: not valid JSON ({exc.msg} at column {exc.colno})") from None
            if not isinstance(obj, dict) or "text" not in obj:
                raise InputError(f"{where}: expected an object with a 'text' field")
            text = obj["text"]
            check_text(text, f"{where}: 'text'")
            yield obj.get("id", lineno), text


def _span_dict(span: Any) -> dict:
    return {"start": span.start, "end": span.end, "label": span.label, "score": round(float(span.score), 4)}


@click.command("analyze")
@click.argument("input_path", metavar="IN.jsonl", type=click.Path(dir_okay=False, allow_dash=True))
@common.policy_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Output JSONL (default: stdout).")
@common.model_options
@common.batch_option
@common.quiet_option
def analyze_command(input_path, policy_ref, output, no_model, batch_size, quiet, **model) -> None:
    """Detect PII spans in a JSONL file of {"id", "text"} records; no redaction.

    Writes one {"id", "spans": [{"start", "end", "label", "score"}]} line per record.
    """
    if output and input_path != "-":
        io.refuse_overwrite(output, [input_path])
    common.allow_fast_exit()  # outputs are atomic and closed when this returns
    policy = common.load_cli_policy(policy_ref, **model)
    total = None
    if input_path != "-" and Path(input_path).is_file():
        with open(input_path, "rb") as fh:
            total = sum(1 for line in fh if line.strip())
    if not no_model and total is not None:
        policy = common.quick_start_policy(policy, io.total_size([Path(input_path)]),
                                           backend_given=model.get("backend") is not None)
    redactor = common.build_redactor(policy, use_model=not no_model)
    step = batch_size or common.DEFAULT_DOCS_PER_CALL
    sink_cm = io.atomic_writer(output) if output else nullcontext(None)
    count = 0
    with sink_cm as sink, common.progress_bar(total, "analyzing", enabled=not quiet and total is not None) as bar:
        emit = sink.write if sink is not None else (lambda line: click.echo(line, nl=False))
        batch: list[tuple[Any, str]] = []

        def flush() -> None:
            results = redactor.analyze_many([t for _, t in batch], batch_size=len(batch))
            for (doc_id, _), result in zip(batch, results):
                emit(common.dumps({"id": doc_id, "spans": [_span_dict(s) for s in result.spans]}) + "\n")
            bar.advance(len(batch), chars=sum(len(t) for _, t in batch))
            batch.clear()

        for record in _records(input_path):
            batch.append(record)
            count += 1
            if len(batch) >= step:
                flush()
        if batch:
            flush()
    if output:
        common.note(f"analyzed {count} records to {output}", quiet=quiet)
