"""Reading input documents and writing outputs safely.

Every check here raises InputError with a message that names the source (a path or
"<stdin>") and what is wrong, never the content. Writes are atomic: a temp file in the
target directory, then os.replace, so a crash never leaves half a redacted file that
looks complete; a write that fails (disk full) is an OutputError and leaves nothing.

The size limit is enforced on what is read, never on what stat says (/dev/zero and FIFOs
report 0 bytes). A directory walk keeps to regular files inside the tree: symlinks that lead
out of it, FIFOs and devices are skipped, as are hidden entries, and each skip is reported to
`on_skip` (the CLI says how many and why).
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, Callable

from .errors import InputError, OutputError

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Share of control characters (other than tab/newline/CR/form feed) above which a text is binary.
_CONTROL_SHARE = 0.10
_SNIFF_BYTES = 8192
_TEXT_CONTROLS = {9, 10, 12, 13}


@dataclass(frozen=True)
class InputFile:
    """A file to process, and the relative path its output gets under an output directory."""

    path: Path
    relative: Path


def decode_text(data: bytes, source: str, *, encoding: str = "utf-8", allow_empty: bool = False) -> str:
    """Check and decode raw bytes into text; raise InputError naming `source` on any problem."""
    wide = encoding.lower().replace("_", "-").startswith(("utf-16", "utf16", "utf-32", "utf32"))
    if not wide and looks_binary(data):  # UTF-16/32 text is full of NUL bytes: check after decoding
        raise InputError(f"{source}: looks binary (NUL bytes or control characters); not a text document")
    try:
        text = data.decode(encoding)
    except LookupError:
        raise InputError(f"{source}: unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        hint = "" if encoding.lower().replace("_", "-") not in ("utf-8", "utf8") else "; pass --encoding (e.g. latin-1) if the file is not UTF-8"
        raise InputError(f"{source}: invalid {exc.encoding} at byte offset {exc.start}{hint}") from None
    if wide and looks_binary(text[:_SNIFF_BYTES].encode("utf-8", "replace")):
        raise InputError(f"{source}: looks binary (control characters); not a text document")
    if text.startswith("\ufeff"):
        text = text[1:]  # a BOM is an encoding artefact, not content
    if not allow_empty and not text.strip():
        raise InputError(f"{source}: empty (no text to redact)")
    return text


def looks_binary(data: bytes) -> bool:
    sample = data[:_SNIFF_BYTES]
    if not sample:
        return False
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in _TEXT_CONTROLS)
    return controls / len(sample) > _CONTROL_SHARE


def _check_size(size: int, source: str, max_bytes: int | None) -> None:
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            f"{source}: {size / 1e6:.1f} MB is over the size limit of {max_bytes / 1e6:.1f} MB "
            "(raise it with --max-size, or split the file)"
        )


def read_text_file(path: str | os.PathLike, *, encoding: str = "utf-8", max_bytes: int | None = DEFAULT_MAX_BYTES) -> str:
    """Read one document. Directories are the caller's job (see expand_inputs)."""
    p = Path(path)
    source = str(path)
    if not p.exists():
        raise InputError(f"{source}: no such file")
    if p.is_dir():
        raise InputError(f"{source}: is a directory")
    try:
        if p.is_file():
            _check_size(p.stat().st_size, source, max_bytes)  # fail fast; the read below is the real check
        with open(p, "rb") as fh:
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        _check_size(len(data), source, max_bytes)
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{source}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return decode_text(data, source, encoding=encoding)


def read_stream(stream: BinaryIO, *, source: str = "<stdin>", encoding: str = "utf-8", max_bytes: int | None = DEFAULT_MAX_BYTES) -> str:
    """Read a whole binary stream (stdin) as one document, with the same checks as a file."""
    limit = None if max_bytes is None else max_bytes + 1
    data = stream.read(limit) if limit is not None else stream.read()
    _check_size(len(data), source, max_bytes)
    return decode_text(data, source, encoding=encoding)


def total_size(paths: Iterable[str | os.PathLike]) -> int | None:
    """Bytes in these files together (an upper bound on their characters); None when one
    cannot be read, which callers treat as a job of unknown size."""
    try:
        return sum(os.stat(p).st_size for p in paths)
    except OSError:
        return None


SkipHook = Callable[[Path, str], None]  # (path, why) for every entry a directory walk leaves out


def expand_inputs(paths: Iterable[str | os.PathLike], *, exclude: Iterable[str | os.PathLike] = (),
                  on_skip: SkipHook | None = None) -> list[InputFile]:
    """Expand files and directories (recursively) into InputFiles.

    A file given directly gets its own name as relative path; a file found under a directory
    gets its path relative to that directory, so an output directory mirrors the tree.
    Directories in `exclude` (e.g. an output directory inside an input one) are not walked.
    A walk leaves out hidden entries ('hidden'), symlinks to anything outside the directory
    given ('symlink outside the tree') or to a directory ('symlinked directory'), and what is
    not a regular file ('not a regular file'), calling on_skip(path, why) for each.
    """
    skip = {Path(e).resolve() for e in exclude}
    out: list[InputFile] = []
    for raw in paths:
        p = Path(raw)
        if not p.exists():
            raise InputError(f"{raw}: no such file or directory")
        if p.is_dir():
            found = sorted(_walk(p, skip, on_skip or (lambda path, why: None)))
            if not found:
                raise InputError(f"{raw}: directory has no files")
            out.extend(InputFile(f, f.relative_to(p)) for f in found)
        else:
            out.append(InputFile(p, Path(p.name)))
    return out


def _walk(root: Path, skip: set[Path], on_skip: SkipHook) -> Iterator[Path]:
    top = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        kept = []
        for d in dirnames:
            path = Path(dirpath) / d
            if d == "__pycache__" or path.resolve() in skip:
                continue
            if d.startswith("."):
                on_skip(path, "hidden")
            elif path.is_symlink():
                on_skip(path, "symlinked directory")  # never followed: it may lead anywhere
            else:
                kept.append(d)
        dirnames[:] = kept
        for name in filenames:
            path = Path(dirpath) / name
            if name.startswith("."):
                on_skip(path, "hidden")
                continue
            target = path.resolve()
            if path.is_symlink() and target != top and top not in target.parents:
                on_skip(path, "symlink outside the tree")
                continue
            if not target.is_file():
                on_skip(path, "not a regular file")  # FIFOs and devices block or never end
                continue
            yield path


def refuse_overwrite(output: str | os.PathLike, inputs: Iterable[str | os.PathLike]) -> None:
    """Raise InputError if `output` resolves to any of `inputs` (also through symlinks)."""
    target = Path(output).resolve()
    for inp in inputs:
        if Path(inp).resolve() == target:
            raise InputError(f"{output}: refusing to overwrite an input file")


def out_dir_targets(out_dir: str | os.PathLike, inputs: Iterable[InputFile], *, suffix: str = "") -> dict[Path, Path]:
    """Map each input path to its output path under `out_dir` (+ `suffix`), refusing any
    output that would land on an input, and two inputs that would share one output."""
    inputs = list(inputs)
    root = Path(out_dir)
    input_set = {f.path.resolve() for f in inputs}
    targets: dict[Path, Path] = {}
    seen: dict[Path, Path] = {}
    for f in inputs:
        target = root / f.relative
        if suffix:
            target = target.with_name(target.name + suffix)
        resolved = target.resolve()
        if resolved in input_set:
            raise InputError(f"{target}: refusing to overwrite an input file (choose another --out-dir)")
        if resolved in seen:
            raise InputError(f"{seen[resolved]} and {f.path} would both be written to {target}")
        seen[resolved] = f.path
        targets[f.path] = target
    return targets


@contextmanager
def atomic_writer(path: str | os.PathLike, *, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """Open a temp file next to `path`; on success replace `path` with it, on error remove it."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write ({exc.strerror or type(exc).__name__}); nothing was written") from None
    try:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        if target.exists():
            try:
                os.chmod(tmp, target.stat().st_mode & 0o777)
            except OSError:
                pass
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"{target}: cannot write ({exc.strerror or type(exc).__name__}); nothing was "
                              "written") from None
        raise


def write_text_atomic(path: str | os.PathLike, text: str, *, inputs: Iterable[str | os.PathLike] = (), encoding: str = "utf-8") -> None:
    refuse_overwrite(path, inputs)
    with atomic_writer(path, encoding=encoding) as fh:
        fh.write(text)
