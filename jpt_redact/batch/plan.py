"""What a batch input is and how it is cut into shards, each with a hash of its content.

Three kinds of input:

* `files`: a directory tree (or one file); every file is a document, its id the relative
  path. A shard is `shard_size` files in path order; its output is the same files under OUTPUT.
* `jsonl`: a JSONL file, or every `*.jsonl` under a directory; one record per line with the
  text in `column` and the id in `id_column` (default: `source:line`); other fields are kept.
  A shard is `shard_size` lines of one file; its output is `NAME.part-NNNNN.jsonl`.
* `parquet`: a Parquet file, or every `*.parquet` under a directory, with a string `column`.
  A shard is `shard_size` rows of one file; its output is `NAME.part-NNNNN.parquet`.

The content hash of a shard is what resume compares: a finished shard whose input hash is
unchanged is skipped. It covers the bytes of the shard's files (files), lines (jsonl), or the
whole source file and the row range (parquet, whose rows are not contiguous bytes). Planning
reads every input byte once to hash it, which is cheap next to redacting it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import io
from ..errors import InputError
from .formats import plan_source
from .layout import RESERVED_NAMES
from .shard import BatchSettings, Shard, file_sha256, part_name

KINDS = ("files", "jsonl", "parquet")
SUFFIXES = {"jsonl": (".jsonl", ".ndjson"), "parquet": (".parquet",)}
__all__ = ["KINDS", "BatchPlan", "BatchSettings", "Shard", "detect_kind", "part_name", "plan_batch"]


@dataclass(frozen=True)
class BatchPlan:
    input_root: Path  # a directory, or the input file itself
    output_root: Path
    settings: BatchSettings  # with the kind resolved
    shards: tuple[Shard, ...] = field(default_factory=tuple)


def detect_kind(path: Path) -> str:
    if path.is_dir():
        return "files"
    suffix = path.suffix.lower()
    return next((kind for kind, sfx in SUFFIXES.items() if suffix in sfx), "files")


def plan_batch(input_path: str | Path, output_path: str | Path, settings: BatchSettings) -> BatchPlan:
    """List and hash the input, cut it into shards; InputError for anything unusable."""
    src, out = Path(input_path), Path(output_path)
    if not src.exists():
        raise InputError(f"{src}: no such file or directory")
    if settings.shard_size < 1:
        raise InputError("shard size must be at least 1")
    kind = detect_kind(src) if settings.kind == "auto" else settings.kind
    if kind not in KINDS:
        raise InputError(f"unknown input kind {kind!r} (one of: {', '.join(KINDS)})")
    if out.resolve() == src.resolve():
        raise InputError(f"{out}: the output directory must not be the input")
    settings = BatchSettings(**{**settings.to_dict(), "kind": kind})
    root = src if src.is_dir() else src.parent
    files = io.expand_inputs([src], exclude=[out])
    if kind != "files":
        files = [f for f in files if f.path.suffix.lower() in SUFFIXES[kind]]
        if not files:
            raise InputError(f"{src}: no {'/'.join(SUFFIXES[kind])} files")
    shards: list[Shard] = []
    if kind == "files":
        io.out_dir_targets(out, files)  # refuses outputs onto inputs and shared targets
        for lo in range(0, len(files), settings.shard_size):
            chunk = files[lo : lo + settings.shard_size]
            rels = tuple(f.relative.as_posix() for f in chunk)
            shards.append(Shard(len(shards), kind, _files_hash(root, rels), files=rels))
    else:
        for f in files:
            rel = f.relative.as_posix() if src.is_dir() else f.path.name
            for part, (start, stop, first_line, digest) in enumerate(plan_source(kind, f.path, rel, settings)):
                shards.append(Shard(len(shards), kind, digest, source=rel, start=start, stop=stop,
                                    first_line=first_line, output=part_name(rel, part)))
    _refuse_reserved(shards)
    return BatchPlan(root.resolve(), out.resolve(), settings, tuple(shards))


def _files_hash(root: Path, rels: tuple[str, ...]) -> str:
    h = hashlib.sha256(b"files\0")
    for rel in rels:
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0" + file_sha256(root / rel).encode() + b"\n")
    return h.hexdigest()


def _refuse_reserved(shards: list[Shard]) -> None:
    for shard in shards:
        for rel in shard.output_paths():
            top = Path(rel).parts[0]
            if top in RESERVED_NAMES:
                raise InputError(f"{rel}: its output would land on OUTPUT/{top}, which the batch run keeps for "
                                 "itself; move or rename it")
