"""`jpt-redact batch INPUT OUTPUT`: a tree, JSONL or Parquet, sharded, resumable, audited.

The driver plans the shards (jpt_redact/batch), skips the ones an earlier run committed, and
hands the rest to an executor: `--engine local` runs them here, one after another;
`--engine ray` runs them on a Ray actor pool (jpt_redact/integrations/ray.py). SIGTERM stops
the run cleanly: committed shards are kept, the shards in flight are redone next time.

Exit codes: 0 when every record was written; otherwise that of the first failure: a shard
that failed as a whole (its error's code), else a record that was not written (6 for a
detection failure, 3 for an unusable input, 10 for a malformed JSONL line).
"""
from __future__ import annotations

import click

from .. import errors as error_types
from .. import io
from . import common
from .common import error_line


@click.command("batch")
@click.argument("input_path", metavar="INPUT", type=click.Path(exists=True))
@click.argument("output", metavar="OUTPUT", type=click.Path(file_okay=False))
@common.policy_option
@click.option("--engine", "executor", type=click.Choice(["local", "ray"]), default="local", show_default=True,
              help="local: in this process; ray: on a Ray cluster (pip install 'jpt-redact[ray]').")
@click.option("--address", default=None, metavar="ADDR",
              help="Ray cluster to join: ray://HOST:10001, auto, or a GCS address "
                   "(default: RAY_ADDRESS, else a local Ray).")
@click.option("--input-format", "kind", type=click.Choice(["auto", "files", "jsonl", "parquet"]), default="auto",
              show_default=True, help="auto: a directory is a tree of text files; *.jsonl and *.parquet by extension.")
@click.option("--column", default="text", show_default=True, help="JSONL field / Parquet column with the text.")
@click.option("--id-column", default="id", show_default=True,
              help="JSONL field / Parquet column with the record id (missing: SOURCE:LINE or SOURCE:ROW).")
@click.option("--shard-size", type=click.IntRange(1), default=1000, show_default=True, metavar="N",
              help="Records (or files) per shard: the unit of resume, output file and audit log.")
@click.option("--workers", type=click.IntRange(1), default=None, metavar="N",
              help="Ray: actors at most (default: one per GPU, else one per --cpus-per-worker CPUs).")
@click.option("--gpus-per-worker", type=click.FloatRange(0), default=None, metavar="G",
              help="Ray: GPUs per actor (default 1 when the cluster has GPUs, else 0).")
@click.option("--cpus-per-worker", type=click.FloatRange(0.01), default=1.0, show_default=True, metavar="C",
              help="Ray: CPUs per actor.")
@click.option("--on-error", type=click.Choice(["raise", "redact_all"]), default=None,
              help="A record whose detection fails: leave it out (raise, the default) or write the placeholder.")
@click.option("--retry-errors", is_flag=True, help="Also redo committed shards that have records in errors.jsonl.")
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of text files and JSONL.")
@click.option("--max-size", type=click.FloatRange(min=0.001), default=io.DEFAULT_MAX_BYTES / common.MB,
              show_default=True, metavar="MB", help="Files larger than this are not read (files input).")
@click.option("--json", "as_json", is_flag=True, help="Print the run summary as JSON on stdout.")
@common.model_options
@common.batch_option
@common.quiet_option
def batch_command(input_path, output, policy_ref, executor, address, kind, column, id_column, shard_size, workers,
                  gpus_per_worker, cpus_per_worker, on_error, retry_errors, encoding, max_size, as_json, no_model,
                  batch_size, quiet, **model) -> None:
    """Redact a directory tree, JSONL or Parquet into OUTPUT, in resumable shards.

    \b
    OUTPUT gets the redacted data (the same tree; NAME.part-NNNNN.jsonl / .parquet), errors.jsonl
    (ids and error types of records not written), audit/ (one chained log per shard) and
    manifest.json (chains the shards; `jpt-redact audit verify OUTPUT` checks it all).
    Run the same command again to finish an interrupted run: finished shards are skipped.

    \b
    Examples:
      jpt-redact batch notes/ redacted/ -p hipaa
      jpt-redact batch tickets.jsonl out/ --shard-size 500
      jpt-redact batch lake/ out/ --input-format parquet --engine ray --address auto
    """
    from ..batch.plan import BatchSettings, plan_batch
    from ..batch.runner import BatchRun, sigterm_raises

    if executor == "local" and (address or workers or gpus_per_worker is not None):
        raise click.UsageError("--address, --workers and --gpus-per-worker are for --engine ray")
    policy = common.load_cli_policy(policy_ref, **model)
    settings = BatchSettings(kind=kind, column=column, id_column=id_column, shard_size=shard_size,
                             encoding=encoding, max_bytes=int(max_size * common.MB))
    with sigterm_raises():
        plan = plan_batch(input_path, output, settings)
        with BatchRun(plan, policy, use_model=not no_model, on_error=on_error, batch_size=batch_size,
                      retry_errors=retry_errors) as run:
            common.note(f"{len(plan.shards)} shards: {len(run.pending)} to do, {run.summary.skipped} done before",
                        quiet=quiet)
            with common.progress_bar(len(run.pending), "redacting shards", enabled=not quiet) as bar:
                progress = lambda status: bar.advance()  # noqa: E731
                if executor == "local":
                    _run_local(run, policy, no_model, on_error, progress)
                else:
                    from ..integrations.ray import run_on_ray

                    run_on_ray(run, address=address, workers=workers, num_gpus=gpus_per_worker,
                               num_cpus=cpus_per_worker, progress=progress, quiet=quiet)
    _report(run.summary, output, as_json, quiet)


def _run_local(run, policy, no_model, on_error, progress) -> None:
    from ..batch.runner import run_local

    if not run.pending:
        return  # nothing to do: do not load the model
    redactor = common.build_redactor(policy, use_model=not no_model, on_error=on_error)
    engine = redactor.engine  # loads the model now: ModelError is the command's error, exit 4
    run_local(run, engine_factory=lambda: engine, progress=progress)


def _report(summary, output: str, as_json: bool, quiet: bool) -> None:
    if as_json:
        click.echo(common.dumps(summary.to_dict(), pretty=True))
    done = summary.skipped + summary.completed
    common.note(f"{done} of {summary.shards} shards done ({summary.completed} now); {summary.written} of "
                f"{summary.records} records written to {output}"
                + (f"; {summary.errors} not written (ids in errors.jsonl)" if summary.errors else ""), quiet=quiet)
    for failed in summary.failed:
        error_line(f"shard {failed['index']}: {failed['message']} (not committed; run again to retry)")
    if summary.failed:
        raise click.exceptions.Exit(summary.failed[0].get("exit_code") or 1)
    if summary.errors:
        cls = getattr(error_types, summary.first_record_error or "", error_types.JPTRedactError)
        raise click.exceptions.Exit(getattr(cls, "exit_code", 1))


def verify_batch_output(path: str, keys, expect_head: str | None, as_json: bool) -> bool:
    """`jpt-redact audit verify OUTPUT` for a batch output directory: False if `path` is not a
    directory (the caller verifies it as one audit log); raises AuditVerificationError if the
    directory does not verify."""
    from pathlib import Path

    from ..batch.verify import verify_batch
    from ..errors import AuditVerificationError

    if not Path(path).is_dir():
        return False
    result = verify_batch(path, keys, expect_head=expect_head)
    if as_json:
        click.echo(common.dumps(result.to_dict(), pretty=True))
    if not result.ok:
        raise AuditVerificationError(f"{path}: {result.reason} ({result.shards} shards verified before it)")
    if not as_json:
        macs = " and MACs" if keys.has_key else " (no key set: MACs not checked)"
        click.echo(f"OK: {result.shards} shards, {result.records} records, chains{macs} and outputs verified; "
                   f"head {result.head}")
    return True
