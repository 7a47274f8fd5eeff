"""The unit of batch work: a shard of the input, and the settings every shard is read with.
Planned on the driver (plan.py), sent to workers as a dict, read and written by formats.py."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from .. import io
from ..errors import InputError

DEFAULT_SHARD_SIZE = 1000
_CHUNK = 1 << 20


@dataclass(frozen=True)
class BatchSettings:
    """Everything about how the input is read and cut; a resumed run must use the same."""

    kind: str = "auto"
    column: str = "text"
    id_column: str = "id"
    shard_size: int = DEFAULT_SHARD_SIZE
    encoding: str = "utf-8"
    max_bytes: int | None = io.DEFAULT_MAX_BYTES

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Shard:
    """One unit of work: planned on the driver, sent to a worker as a dict (`to_dict`)."""

    index: int
    kind: str
    input_sha256: str
    source: str = ""  # jsonl/parquet: the source file, relative to the input root
    files: tuple[str, ...] = ()  # files: the documents, relative to the input root
    start: int = 0  # jsonl: byte offset; parquet: first row
    stop: int = 0  # jsonl: end byte offset; parquet: row after the last
    first_line: int = 1  # jsonl: line number of the byte at `start`
    output: str = ""  # jsonl/parquet: the output file, relative to OUTPUT

    def to_dict(self) -> dict:
        d = asdict(self)
        d["files"] = list(self.files)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Shard":
        return cls(**{**d, "files": tuple(d.get("files", ()))})

    def output_paths(self) -> list[str]:
        return list(self.files) if self.kind == "files" else [self.output]


def part_name(source: str, part: int) -> str:
    """`a/tickets.jsonl`, 3 -> `a/tickets.part-00003.jsonl`."""
    p = Path(source)
    return str(p.with_name(f"{p.stem}.part-{part:05d}{p.suffix}"))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    return h.hexdigest()
