"""`jpt-redact audit verify|report` and `jpt-redact restore`."""
from __future__ import annotations

import click

from .. import io
from ..errors import AuditVerificationError
from . import common

KEY_ENV_HELP = "Environment variable holding the key (default JPT_REDACT_KEY; JPT_REDACT_KEY_FILE also works)."


def _keys(key_env: str):
    from ..keys import KeyProvider

    return KeyProvider.from_env(key_env)


@click.group("audit")
def audit_group() -> None:
    """Check and summarise audit logs (chained JSONL written with --audit)."""


@audit_group.command("verify")
@click.argument("log", type=click.Path())
@click.option("--key-env", default="JPT_REDACT_KEY", show_default=True, help=KEY_ENV_HELP)
@click.option("--expect-last-hash", default=None, metavar="HASH", help="Also check the log ends at this record hash (saved earlier).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(log: str, key_env: str, expect_last_hash: str | None, as_json: bool) -> None:
    """Verify the hash chain (and MACs, when a key is set) of an audit log, or of a
    `jpt-redact batch` OUTPUT directory (its manifest, every audit shard and output).

    Exits 0 if every record verifies and the log ends where its header says (records cut off
    the end, an emptied log or a removed header fail), otherwise names the first bad line.
    """
    from ..exporters.audit.log import verify_log

    keys = _keys(key_env)
    from .batch import verify_batch_output

    if verify_batch_output(log, keys, expect_last_hash, as_json):
        return
    result = verify_log(log, keys, expect_last_hash=expect_last_hash, require_anchor=expect_last_hash is None)
    if as_json:
        click.echo(common.dumps(result.to_dict(), pretty=True))
    if not result.ok:
        where = f"{log}:{result.first_bad_line}" if result.first_bad_line else log
        raise AuditVerificationError(f"{where}: {result.reason} ({result.records} records verified before it)")
    if not as_json:
        macs = " and MACs" if keys.has_key else " (no key set: MACs not checked)"
        click.echo(f"OK: {result.records} records, chain{macs} verified; last hash {result.last_hash}")


@audit_group.command("report")
@click.argument("log", type=click.Path(dir_okay=False))
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None, help="Also write an HTML report here.")
@click.option("--key-env", default="JPT_REDACT_KEY", show_default=True, help=KEY_ENV_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def report_command(log: str, html_path: str | None, key_env: str, as_json: bool) -> None:
    """Summarise an audit log: findings per type, action, document and day (no values).
    The chain counts as OK only when checked with the key."""
    from ..exporters.audit.report import render_html, render_text, summarize

    summary = summarize(log, _keys(key_env))
    if html_path:
        io.write_text_atomic(html_path, render_html(summary), inputs=[log])
    click.echo(common.dumps(summary, pretty=True) if as_json else render_text(summary).rstrip("\n"))


@click.command("restore")
@click.argument("input_path", metavar="FILE", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None, help="Output file (default: stdout).")
@click.option("--key-env", default="JPT_REDACT_KEY", show_default=True, help=KEY_ENV_HELP)
@click.option("--encoding", default="utf-8", show_default=True, help="Encoding of FILE.")
def restore_command(input_path: str, output: str | None, key_env: str, encoding: str) -> None:
    """Decrypt the [ENC:...] tokens the `encrypt` action wrote, using the key."""
    from ..exporters.operators.restore import restore_text

    if input_path == "-":
        text = io.read_stream(common.stdin_binary(), encoding=encoding)
    else:
        text = io.read_text_file(input_path, encoding=encoding)
    keys = _keys(key_env)
    keys.require("restore")
    restored = restore_text(text, keys)
    if output:
        io.write_text_atomic(output, restored, inputs=[] if input_path == "-" else [input_path])
    else:
        click.echo(restored, nl=False)
