"""The `jpt-redact` command: a click group whose default command is `redact`.

`jpt-redact FILE... --policy hipaa` and `jpt-redact redact FILE... --policy hipaa` are the
same. This module is where errors become text: every JPTRedactError is one line
`Error: <message>` on stderr (common.error_line, which `redact` also uses for a file that fails
among several) and exits with the error's exit_code; anything unexpected is one line naming
only the exception type (exit 70), unless JPT_REDACT_DEBUG=1. The command modules register
here and import nothing from this module.

SIGTERM (a scheduler stopping the job) is turned into an exception, so the cleanup that a
normal error gets runs too: temporaries of unfinished outputs are removed and no audit record
of an unwritten output exists. The exit code is 143 (128 + SIGTERM); a re-run does the job.

Fast exit: once torch is imported, the interpreter's own teardown takes ~0.8 s on a 2-core
host (`benchmarks/fast_exit.py`). When the console entry point finishes a command
that declared its outputs closed (`common.allow_fast_exit`: redact, analyze), it flushes
stdout, stderr and logging and ends with `os._exit`. Commands with servers, Ray or training
runs keep the ordinary exit; in-process callers (CliRunner, `main(argv)`) are never cut short;
`JPT_REDACT_FAST_EXIT=0` turns it off.
"""
from __future__ import annotations

import difflib
import errno
import logging
import os
import signal
import sys

import click

from ..errors import JPTRedactError
from ..version import __version__
from . import common
from .common import error_line

TERMINATED_EXIT = 128 + signal.SIGTERM
INTERNAL_ERROR_EXIT = 70
IO_ERROR_EXIT = 74
MISSING_DEPENDENCY_EXIT = 69
DEFAULT_COMMAND = "redact"
_GROUP_FLAGS = {"--help", "-h", "--version"}


def debug_enabled() -> bool:
    return os.environ.get("JPT_REDACT_DEBUG", "").strip() not in ("", "0", "false", "no")


class DefaultGroup(click.Group):
    """A group that runs `redact` when the first argument is not a subcommand (a file, `-`, an option)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in _GROUP_FLAGS:
            first = args[0]
            if not first.startswith("-") and not os.path.exists(first):
                # `jpt-redact analyse x.jsonl`: a mistyped command, not a missing file
                close = difflib.get_close_matches(first, list(self.commands), n=1, cutoff=0.75)
                if close:
                    ctx.fail(f"No such command {first!r}. Did you mean {close[0]!r}?")
            args = [DEFAULT_COMMAND, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except JPTRedactError as exc:
            if debug_enabled():
                raise
            error_line(str(exc))
            ctx.exit(exc.exit_code)
        except BrokenPipeError:
            raise  # click reports a closed pipe (e.g. `| head`) quietly
        except ImportError as exc:
            # A missing optional package (onnxruntime, presidio, ...) is the user's to fix;
            # a missing module of our own is a bug and falls through to "internal error".
            if debug_enabled() or (exc.name or "jpt_redact").split(".")[0] == "jpt_redact":
                _internal_error(ctx, exc)
            error_line(f"the package {exc.name!r} is not installed (see the optional extras in README.md)")
            ctx.exit(MISSING_DEPENDENCY_EXIT)
        except OSError as exc:
            if debug_enabled() or exc.errno == errno.EPIPE:
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            error_line(f"{where}{exc.strerror or type(exc).__name__}")
            ctx.exit(IO_ERROR_EXIT)
        except Exception as exc:
            _internal_error(ctx, exc)


def _internal_error(ctx: click.Context, exc: Exception) -> None:
    if debug_enabled():
        raise exc
    error_line(f"internal error ({type(exc).__name__}); rerun with JPT_REDACT_DEBUG=1 for a traceback")
    ctx.exit(INTERNAL_ERROR_EXIT)


@click.group(
    cls=DefaultGroup,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="Run `jpt-redact FILE... --policy NAME` to redact files (the default command, see `jpt-redact redact --help`).",
)
@click.version_option(__version__, prog_name="jpt-redact")
def cli() -> None:
    """Find and redact PII with a Just-Pass-Twice model, patterns and a policy."""


def _register() -> None:
    from . import analyze, audit, batch, calibrate, evaluate, info, policy, redact, training

    cli.add_command(redact.redact_command)
    cli.add_command(analyze.analyze_command)
    cli.add_command(batch.batch_command)
    cli.add_command(evaluate.eval_command)
    cli.add_command(calibrate.calibrate_command)
    cli.add_command(training.train_command)
    cli.add_command(training.synth_command)
    cli.add_command(training.export_onnx_command)
    cli.add_command(audit.audit_group)
    cli.add_command(audit.restore_command)
    cli.add_command(policy.policy_group)
    cli.add_command(info.plugins_command)
    cli.add_command(info.info_command)
    from . import serve  # starlette/uvicorn are imported only when the command runs

    cli.add_command(serve.serve_command)


_register()


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like an error (BaseException, so nothing swallows it)."""


def _on_sigterm(signum, frame) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> None:
    """Console entry point (`jpt-redact`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("jpt_redact")
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug_enabled() else logging.WARNING)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    common.reset_fast_exit()
    try:
        cli.main(args=argv, prog_name="jpt-redact")
    except SystemExit as done:
        if argv is None and isinstance(done.code, (int, type(None))) and _fast_exit_wanted():
            _exit_now(done.code or 0)
        raise
    except Terminated:
        error_line("terminated (SIGTERM); unfinished outputs were not written, run again to complete")
        sys.exit(TERMINATED_EXIT)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _fast_exit_wanted() -> bool:
    return common.fast_exit_allowed() and os.environ.get("JPT_REDACT_FAST_EXIT", "1").strip() not in ("0", "false", "no")


def _exit_now(code: int) -> None:
    """Flush what Python buffers (os._exit would drop it), then leave without teardown."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`): nothing more can reach it
            pass
    logging.shutdown()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
