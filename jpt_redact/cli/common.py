"""Pieces the CLI commands share: policy loading, the Redactor factory, options, progress,
labelled-data options, and `error_line`, the one way an error becomes text.

`make_redactor` is the one place the CLI builds a Redactor. Tests replace it (monkeypatch
`jpt_redact.cli.common.make_redactor`) to run every command against a fake engine; the real
model is then never loaded.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import click
import yaml

from ..errors import DataError
from ..policy import BUILTIN_POLICIES, ONNX_PRECISIONS
from ..redactor import DEFAULT_DOCS_PER_CALL

if TYPE_CHECKING:  # pragma: no cover
    from ..data import Example
    from ..policy import Policy
    from ..redactor import Redactor

MB = 1024 * 1024
# --format of labelled data (eval, calibrate) -> the reader's name in jpt_redact.data
DATA_FORMATS = {"jsonl": "jsonl", "conll": "conll", "json": "json", "presidio-json": "presidio"}


_fast_exit = {"allowed": False}


def allow_fast_exit() -> None:
    """Called by a command whose outputs are complete and closed when it returns (atomic
    writes, unbuffered audit appends): the console entry point may then end the process with
    `os._exit` instead of tearing the interpreter down, which costs ~0.8 s once torch is
    loaded (see cli/main.py)."""
    _fast_exit["allowed"] = True


def fast_exit_allowed() -> bool:
    return _fast_exit["allowed"]


def reset_fast_exit() -> None:
    _fast_exit["allowed"] = False


def error_line(message: str) -> None:
    """Print one `Error: ...` line on stderr (newlines in a message are folded)."""
    click.echo("Error: " + " ".join(str(message).split()), err=True)


def load_cli_policy(ref: str, *, backend: str | None = None, onnx_precision: str | None = None,
                    onnx_dir: str | None = None, checkpoint: str | None = None) -> "Policy":
    """Load a policy by name or path, with the model options of the command line applied
    (each overrides the policy's field when given; validated like the policy itself)."""
    from ..policy import load_policy

    policy = load_policy(ref)
    given = (("backend", backend), ("onnx_precision", onnx_precision), ("onnx_dir", onnx_dir),
             ("checkpoint", str(Path(checkpoint).resolve()) if checkpoint else None))
    updates = {k: v for k, v in given if v is not None and v != getattr(policy.model, k)}
    return policy.with_model(**updates) if updates else policy


# A job of at most this many characters runs on the numpy backend when the backend is left to
# `auto` and the backbone is already converted: torch's import (~2 s) costs more than numpy's
# fp32 GEMMs lose on so little text (benchmarks/quick_start.py measures both sides).
QUICK_START_CHARS = 2000


def quick_start_backend(settings: Any, *, backend_given: bool) -> tuple[str | None, str]:
    """(backend a small job starts on, or None; why), whatever the job's size: None when the
    user chose a backend, JPT_REDACT_QUICK_START=0, or the backbone is not converted yet."""
    if backend_given or settings.backend != "auto":
        return None, "off (a backend was chosen)"
    if os.environ.get("JPT_REDACT_QUICK_START", "1").strip() == "0":
        return None, "off (JPT_REDACT_QUICK_START=0)"
    from ..engine import loader

    name = loader.quick_start_backend(settings)
    where = f"jobs of at most {QUICK_START_CHARS} characters run on {name or loader.QUICK_START_BACKEND}"
    return name, f"on: {where}" if name else f"not yet: {where} once the backbone is converted (any run converts it)"


def quick_start_policy(policy: "Policy", job_chars: int | None, *, backend_given: bool) -> "Policy":
    """`policy` with model.backend set to numpy for a small job, or unchanged (a job that is
    large or of unknown size, or `quick_start_backend` says no)."""
    if job_chars is None or job_chars > QUICK_START_CHARS:
        return policy
    name, _ = quick_start_backend(policy.model, backend_given=backend_given)
    return policy.with_model(backend=name) if name else policy


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
        help=f"Built-in policy name ({', '.join(BUILTIN_POLICIES)}) or a policy YAML file.",
    )(f)


def backend_options(f: Callable) -> Callable:
    """--checkpoint, --backend, --onnx-precision, --onnx-dir: the command receives them as
    keyword arguments `checkpoint`, `backend`, `onnx_precision`, `onnx_dir` for
    `load_cli_policy`. The environment variables are defaults here, at the edge; the library
    itself reads only the policy."""
    f = click.option(
        "--checkpoint", default=None, metavar="DIR", type=click.Path(exists=True, file_okay=False),
        help="Model checkpoint directory (overrides model.checkpoint; e.g. a training run's output, "
        "to measure or calibrate it before it is shipped).",
    )(f)
    f = click.option(
        "--onnx-dir", default=None, metavar="DIR", envvar="JPT_REDACT_ONNX_DIR", show_envvar=True,
        help="ONNX backends: use this `export-onnx -o` directory (overrides model.onnx_dir).",
    )(f)
    f = click.option(
        "--onnx-precision", type=click.Choice(ONNX_PRECISIONS), default=None, envvar="JPT_REDACT_ONNX_PRECISION",
        show_envvar=True, help="ONNX backends: model precision (overrides model.onnx_precision).",
    )(f)
    f = click.option(
        "--backend", default=None, metavar="NAME",
        help="Runtime backend: auto or an installed backend (torch, numpy, onnx, onnx-cpu, onnx-cuda, onnx-tensorrt, "
        "plugins; see `jpt-redact plugins`). Overrides the policy's model.backend. Without it, jobs of at most "
        f"{QUICK_START_CHARS} characters start on numpy once the backbone is converted (JPT_REDACT_QUICK_START=0: never).",
    )(f)
    return f


def model_options(f: Callable) -> Callable:
    f = backend_options(f)
    f = click.option("--no-model", is_flag=True, help="Patterns, checksums and lists only; do not load the JPT model.")(f)
    return f


def batch_option(f: Callable) -> Callable:
    return click.option(
        "--batch-size", type=click.IntRange(1, 4096), default=None, metavar="N",
        help=f"Documents per model call (default {DEFAULT_DOCS_PER_CALL}).",
    )(f)


# -- labelled data (eval, calibrate) ----------------------------------------------------------
def data_options(f: Callable) -> Callable:
    f = click.option(
        "--label-map", type=click.Path(dir_okay=False), default=None, metavar="M.yaml",
        help="YAML mapping of gold labels to the policy's labels (e.g. PER: PERSON; a label mapped to '' is ignored).",
    )(f)
    f = click.option(
        "--format", "fmt", type=click.Choice(list(DATA_FORMATS)), default=None,
        help="Data format (default: from the file extension).",
    )(f)
    return f


def load_label_map(path: str | None) -> dict[str, str] | None:
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


def load_labelled(path: str, fmt: str | None, limit: int | None = None) -> list["Example"]:
    """Examples of one labelled file (DataError if it has none)."""
    from ..data import load_examples

    examples = load_examples(path, DATA_FORMATS[fmt] if fmt else None)[:limit]
    if not examples:
        raise DataError(f"{path}: no examples")
    return examples


def quiet_option(f: Callable) -> Callable:
    return click.option("-q", "--quiet", is_flag=True, help="No progress bar or summary on stderr.")(f)


def dumps(obj: Any, *, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


# -- progress --------------------------------------------------------------------------------
class _NoProgress:
    def advance(self, n: int = 1, chars: int = 0) -> None:
        pass


class _RichProgress:
    def __init__(self, progress: Any, task: Any):
        self._progress, self._task = progress, task
        self._chars, self._t0 = 0, time.perf_counter()

    def advance(self, n: int = 1, chars: int = 0) -> None:
        self._chars += chars
        rate = self._chars / max(1e-9, time.perf_counter() - self._t0)
        self._progress.update(self._task, advance=n, rate=f"{rate:,.0f} chars/s" if self._chars else "")


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
    columns += [TextColumn("{task.fields[rate]}"), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield _RichProgress(progress, progress.add_task(description, total=total, rate=""))


def note(message: str, *, quiet: bool) -> None:
    """A status line on stderr (never document content)."""
    if not quiet:
        click.echo(message, err=True)


def warn(message: str) -> None:
    """A warning on stderr, shown even with --quiet: it is about what is (not) protected."""
    click.echo("Warning: " + message, err=True)


class SkipCounter:
    """io.expand_inputs' on_skip: counts what a directory walk left out, to say so once."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, path: Path, why: str) -> None:
        self.counts[why] = self.counts.get(why, 0) + 1

    def report(self, *, quiet: bool) -> None:
        if self.counts:
            parts = ", ".join(f"{n} {why}" for why, n in sorted(self.counts.items()))
            note(f"skipped {sum(self.counts.values())} entries of the input directories ({parts})", quiet=quiet)


def model_only_types(policy: "Policy") -> list[str]:
    """Types that nothing but the JPT model finds (no recognizers, patterns or deny-list)."""
    return [label for label, e in policy.entities.items()
            if e.model and not (e.recognizers or e.patterns or e.deny_list)]


def note_model_only_types(policy: "Policy", *, no_model: bool) -> None:
    """With --no-model, name the types that will then not be found at all."""
    if no_model:
        missing = model_only_types(policy)
        if missing:
            warn(f"--no-model: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} found only by the model "
                 "and will not be redacted")


def note_key(redactor: "Redactor", *, quiet: bool) -> None:
    """The key's public id on stderr when a run uses one (so runs with different keys stand out).
    (An audit log written without a key is warned about by the audit writer itself.)"""
    keys = redactor.keys  # a malformed key fails here, before any input is read
    if keys.has_key:
        note(f"key id {keys.key_id} (from {keys.source})", quiet=quiet)
