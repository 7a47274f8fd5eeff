"""`jpt-redact [redact] INPUT...`: redact files, directories or stdin.

One input (a file or `-`) goes to stdout or `-o FILE`. Several inputs, or a directory, go
to `--out-dir DIR` (mirroring the tree) or, with `--format jsonl`, to one JSONL stream.
A file that cannot be read or whose detection fails is reported on its own `Error:` line and
not written; the others still are, and the exit code is that of the first failure. A run that
wrote the whole-document placeholder for some file (on_error: redact_all) says how many and
exits PLACEHOLDER_EXIT_CODE (12). Audit records are written after their output exists (a
failed write leaves no record of it), and the output is never the audit log itself.
"""
from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import click

from .. import io, registry
from ..errors import PLACEHOLDER_EXIT_CODE, DetectionError, InputError, JPTRedactError, PluginError
from . import common
from .common import error_line

LONG_INPUT_CHARS = 200_000  # one document this long gets a spinner


def _exporter(ctx: click.Context, param: click.Parameter, name: str) -> tuple[str, Any]:
    """--format NAME -> (NAME, an instance of the registered exporter, built-in or plugin)."""
    try:
        registry.exporters.check_name(name)
        return name, registry.exporters.get(name)()
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    except PluginError as exc:
        raise click.BadParameter(str(exc)) from None
    except Exception as exc:  # a plugin class that cannot be built: named, never a traceback
        raise click.BadParameter(f"exporter {name!r} could not be created: {type(exc).__name__}") from None


def _render(exporter: Any, result: Any, doc_id: str | None) -> str:
    """The exporter's output for one document; a failing or misbehaving plugin is a
    PluginError naming it (its message may quote the document, so only the type is kept)."""
    try:
        rendered = exporter.render(result, doc_id)
    except Exception as exc:
        raise PluginError(f"exporter {type(exporter).__name__} failed: {type(exc).__name__}") from None
    if not isinstance(rendered, str):
        raise PluginError(f"exporter {type(exporter).__name__} returned {type(rendered).__name__}, not str")
    return rendered


@click.command("redact")
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@common.policy_option
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Output file for a single input (default: stdout).")
@click.option("--out-dir", type=click.Path(file_okay=False), default=None, help="Output directory for several inputs; mirrors directory trees.")
@click.option("--format", "fmt", default="text", show_default=True, callback=_exporter, metavar="NAME",
              help="Output format, an exporter plugin: text (the redacted text), json (text plus findings: types, "
                   "offsets, scores; no values), jsonl (one line per input, one stream), or one `jpt-redact plugins` lists.")
@click.option("--audit", "audit_path", type=click.Path(dir_okay=False), default=None, help="Append a chained audit record per document to this JSONL log.")
@click.option("--on-error", type=click.Choice(["raise", "redact_all"]), default=None,
              help="If detection fails: fail (default, from the policy) or replace the whole document with a placeholder.")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of the input files (outputs are UTF-8).")
@click.option("--max-size", type=click.FloatRange(min=0.001), default=io.DEFAULT_MAX_BYTES / common.MB, show_default=True,
              metavar="MB", help="Refuse input files larger than this.")
@common.model_options
@common.batch_option
@common.quiet_option
def redact_command(inputs, policy_ref, output, out_dir, fmt, audit_path, on_error, encoding, max_size,
                   no_model, batch_size, quiet, **model) -> None:
    """Redact PII in files, directories (recursively) or stdin (`-`).

    \b
    Examples:
      jpt-redact note.txt --policy hipaa > note.redacted.txt
      jpt-redact docs/ --policy gdpr --out-dir redacted/
      cat mail.txt | jpt-redact - --format json
    """
    common.allow_fast_exit()  # outputs are atomic and closed when this returns
    max_bytes = int(max_size * common.MB)
    fmt_name, exporter = fmt
    stdin = "-" in inputs
    if stdin and len(inputs) > 1:
        raise click.UsageError("'-' (stdin) cannot be combined with other inputs")
    if stdin and out_dir:
        raise click.UsageError("'-' (stdin) writes to stdout or -o FILE, not --out-dir")
    if output and out_dir:
        raise click.UsageError("use either -o/--output (one input) or --out-dir (several inputs)")
    if out_dir and exporter.streaming:
        raise click.UsageError(f"--format {fmt_name} writes one stream: use -o FILE or stdout, not --out-dir")
    if output and audit_path and Path(output).resolve() == Path(audit_path).resolve():
        raise click.UsageError("-o and --audit name the same file: the output would replace the audit log")
    policy = common.load_cli_policy(policy_ref, **model)

    if stdin:
        text = io.read_stream(common.stdin_binary(), encoding=encoding, max_bytes=max_bytes)
        files: list[io.InputFile] = []
    else:
        skipped = common.SkipCounter()
        files = io.expand_inputs(inputs, exclude=[out_dir] if out_dir else [], on_skip=skipped)
        skipped.report(quiet=quiet)
    several = not stdin and (len(files) > 1 or any(Path(p).is_dir() for p in inputs))
    if several and not out_dir and not exporter.streaming:
        raise click.UsageError("several inputs: pass --out-dir DIR (or --format jsonl for one stream)")
    if out_dir and not several:
        several = True  # one file into a directory: same rules as many
    input_paths = [f.path for f in files]
    if output:
        io.refuse_overwrite(output, input_paths)
    if audit_path:
        io.refuse_overwrite(audit_path, input_paths)
    targets = io.out_dir_targets(out_dir, files, suffix=exporter.suffix) if out_dir else {}
    if audit_path and any(t.resolve() == Path(audit_path).resolve() for t in targets.values()):
        raise click.UsageError("--audit names a file that --out-dir would write: the output would replace the audit log")
    common.note_model_only_types(policy, no_model=no_model)
    if not no_model:
        job_chars = len(text) if stdin else io.total_size(f.path for f in files)
        policy = common.quick_start_policy(policy, job_chars, backend_given=model.get("backend") is not None)

    redactor = common.build_redactor(policy, use_model=not no_model, audit_path=audit_path, on_error=on_error)
    try:
        common.note_key(redactor, quiet=quiet)
        if several:
            _redact_many(redactor, files, targets, output, exporter, encoding, max_bytes, batch_size, quiet, dest=out_dir or output)
            return
        if stdin:
            doc_id, source = "<stdin>", "<stdin>"
        else:
            text = io.read_text_file(files[0].path, encoding=encoding, max_bytes=max_bytes)
            doc_id, source = str(files[0].path), str(files[0].path)
        with common.progress_bar(None, f"redacting {source}", enabled=not quiet and len(text) >= LONG_INPUT_CHARS):
            result = redactor.redact(text, document_id=doc_id, defer_audit=True)
        rendered = _render(exporter, result, doc_id)
        if output:
            io.write_text_atomic(output, rendered, inputs=input_paths)
        else:
            click.echo(rendered, nl=False)
        redactor.write_audit(result, doc_id)  # only once the output exists
        if result.whole_document_redacted:
            error_line(f"{source}: detection failed; the whole document was replaced by the placeholder")
            raise click.exceptions.Exit(PLACEHOLDER_EXIT_CODE)
    finally:
        redactor.close()


def _redact_many(redactor, files, targets, output, exporter, encoding, max_bytes, batch_size, quiet, dest=None) -> None:
    step = batch_size or common.DEFAULT_DOCS_PER_CALL
    first_error: JPTRedactError | None = None
    written = placeholders = 0
    unaudited = []  # a JSONL file's records: audited once the whole file is in place
    sink_cm = io.atomic_writer(output) if (exporter.streaming and output) else nullcontext(None)
    with sink_cm as sink, common.progress_bar(len(files), "redacting", enabled=not quiet) as bar:
        emit = sink.write if sink is not None else (lambda line: click.echo(line, nl=False))
        for lo in range(0, len(files), step):
            texts, ready = [], []
            for f in files[lo : lo + step]:
                try:
                    texts.append(io.read_text_file(f.path, encoding=encoding, max_bytes=max_bytes))
                    ready.append(f)
                except InputError as exc:
                    error_line(str(exc))
                    first_error = first_error or exc
                    bar.advance()
            if not texts:
                continue
            results = redactor.redact_many(texts, batch_size=len(texts), document_ids=[str(f.relative) for f in ready],
                                           return_exceptions=True, defer_audit=True)
            for f, text, result in zip(ready, texts, results):
                bar.advance(chars=len(text))
                if isinstance(result, JPTRedactError):
                    what = f"detection failed ({result.reason or 'error'})" if isinstance(result, DetectionError) else str(result)
                    error_line(f"{f.path}: {what}; not written")
                    first_error = first_error or result
                    continue
                try:
                    rendered = _render(exporter, result, str(f.relative))
                except PluginError as exc:
                    error_line(f"{f.path}: {exc}; not written")
                    first_error = first_error or exc
                    continue
                if exporter.streaming:
                    emit(rendered)
                else:
                    io.write_text_atomic(targets[f.path], rendered)
                if sink is None:
                    redactor.write_audit(result, str(f.relative))
                else:
                    unaudited.append((result, str(f.relative)))
                written += 1
                placeholders += result.whole_document_redacted
    for result, doc_id in unaudited:
        redactor.write_audit(result, doc_id)
    where = f" to {dest}" if dest else ""
    failed = len(files) - written
    redacted = written - placeholders
    extra = [f"{placeholders} replaced by the placeholder (detection failed)"] if placeholders else []
    extra += [f"{failed} failed"] if failed else []
    common.note(f"redacted {redacted} of {len(files)} files{where}" + (f" ({'; '.join(extra)})" if extra else ""),
                quiet=quiet)
    if first_error is not None:
        raise click.exceptions.Exit(first_error.exit_code)
    if placeholders:
        raise click.exceptions.Exit(PLACEHOLDER_EXIT_CODE)
