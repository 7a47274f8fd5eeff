"""The output directory of a batch run: where everything lives, and the two rules that keep
it consistent, atomic files and one writer.

    OUTPUT/<outputs>          the redacted files / NAME.part-NNNNN.jsonl / .parquet
    OUTPUT/audit/NNNNN.jsonl  shard NNNNN's hash-chained audit log (exporters/audit)
    OUTPUT/shards/NNNNN.json  shard NNNNN's commit record, written last: the shard is done
    OUTPUT/manifest.json      settings, policy and every commit, chained (manifest.py)
    OUTPUT/errors.jsonl       records that were not written: ids and error types only

Every file is written to a hidden temporary next to it and renamed into place, so no reader
ever sees half a file. A process killed mid-write leaves only such a temporary behind
(`.NAME.XXXXXXXX.tmp`); the next run removes them before it starts.
"""
from __future__ import annotations

import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .. import io
from ..errors import InputError

MANIFEST = "manifest.json"
ERRORS = "errors.jsonl"
AUDIT_DIR = "audit"
SHARDS_DIR = "shards"
LOCK = ".jpt-batch.lock"
RESERVED_NAMES = frozenset({MANIFEST, ERRORS, AUDIT_DIR, SHARDS_DIR, LOCK})
# what tempfile.mkstemp(prefix=".NAME.", suffix=".tmp") makes, as io.atomic_writer does
_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")


class Layout:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def errors(self) -> Path:
        return self.root / ERRORS

    def audit_log(self, index: int) -> Path:
        return self.root / AUDIT_DIR / f"{index:05d}.jsonl"

    def commit(self, index: int) -> Path:
        return self.root / SHARDS_DIR / f"{index:05d}.json"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def temp_next_to(self, path: Path) -> Path:
        """A fresh hidden temporary in `path`'s directory, named like io.atomic_writer's."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        return Path(tmp)

    def remove_stale_temporaries(self) -> int:
        """Delete temporaries left by a killed run (only inside OUTPUT, only our pattern)."""
        removed = 0
        for dirpath, _dirs, names in os.walk(self.root):
            for name in names:
                if _TEMP.match(name):
                    try:
                        os.unlink(os.path.join(dirpath, name))
                        removed += 1
                    except FileNotFoundError:
                        pass
        return removed

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold OUTPUT for one run: a second run into the same directory is refused."""
        import fcntl

        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise InputError(f"{self.root}: another batch run is writing to this directory") from None
            yield
        finally:
            os.close(fd)


def write_bytes_atomic(path: Path, data: bytes) -> None:
    try:
        with io.atomic_writer(path, mode="wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise InputError(f"{path}: cannot write ({exc.strerror or type(exc).__name__})") from None
