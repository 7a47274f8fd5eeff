"""Pieces the CLI commands share: policy loading, the Redactor factory, options, progress.

`make_redactor` is the one place the CLI builds a Redactor. Tests replace it (monkeypatch
`jpt_redact.cli.common.make_redactor`) to run every command against a fake engine; the real
model is then never loaded.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import click

if TYPE_CHECKING:  # pragma: no cover
    from ..policy import Policy
    from ..redactor import Redactor

MB = 1024 * 1024


def load_cli_policy(ref: str, backend: str | None = None) -> "Policy":
    """Load a policy by name or path, with the --backend override applied."""
    from ..policy import load_policy

    policy = load_policy(ref)
    if backend and backend != policy.model.backend:
        policy = policy.model_copy(update={"model": policy.model.model_copy(update={"backend": backend})})
    return policy


def make_redactor(
    policy: "Policy",
    *,
    use_model: bool = True,
    audit_path: str | Path | None = None,
    on_error: str | None = None,
) -> "Redactor":
    """Build the Redactor a command uses (the test hook; see the module docstring)."""
    from ..redactor import Redactor

    return Redactor.from_policy(policy, use_model=use_model, audit_path=audit_path, on_error=on_error)  # type: ignore[arg-type]


def build_redactor(policy: "Policy", **kwargs: Any) -> "Redactor":
    # Looked up through the module at call time so a monkeypatched make_redactor is seen.
    return sys.modules[__name__].make_redactor(policy, **kwargs)


# -- shared options --------------------------------------------------------------------------
def policy_option(f: Callable) -> Callable:
    return click.option(
        "-p", "--policy", "policy_ref", default="default", show_default=True, metavar="NAME|PATH",
        help="Built-in policy name (default, hipaa, gdpr, pci, secrets) or a policy YAML file.",
    )(f)


def model_options(f: Callable) -> Callable:
    f = click.option(
        "--backend", type=click.Choice(["auto", "torch", "onnx"]), default=None,
        help="Runtime backend for the JPT model (overrides the policy's model.backend).",
    )(f)
    f = click.option("--no-model", is_flag=True, help="Patterns, checksums and lists only; do not load the JPT model.")(f)
    return f


def batch_option(f: Callable) -> Callable:
    return click.option(
        "--batch-size", type=click.IntRange(1, 4096), default=None, metavar="N",
        help="Documents per model call (default 32).",
    )(f)


def quiet_option(f: Callable) -> Callable:
    return click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary on stderr.")(f)


def dumps(obj: Any, *, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# -- progress --------------------------------------------------------------------------------
class _NoProgress:
    def advance(self, n: int = 1) -> None:
        pass


class _RichProgress:
    def __init__(self, progress: Any, task: Any):
        self._progress, self._task = progress, task

    def advance(self, n: int = 1) -> None:
        self._progress.advance(self._task, n)


def stderr_is_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


def stdin_binary():
    """The binary stdin (click.get_binary_stream is deprecated since click 8.5)."""
    return getattr(sys.stdin, "buffer", sys.stdin)


@contextmanager
def progress_bar(total: int | None, description: str, *, enabled: bool) -> Iterator[Any]:
    """A rich progress bar on stderr, or a no-op when disabled or stderr is not a terminal.

    total=None shows a spinner (one long document: the engine reports no finer progress).
    """
    if not enabled or not stderr_is_terminal():
        yield _NoProgress()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield _RichProgress(progress, progress.add_task(description, total=total))


def note(message: str, *, quiet: bool) -> None:
    """A status line on stderr (never document content)."""
    if not quiet:
        click.echo(message, err=True)
