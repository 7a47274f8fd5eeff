"""Per input kind: how a source is cut (planning), how a shard's records are read, and how its
redacted output is written. Output bytes depend only on the shard and the redactions, so the
same shard gives the same bytes whoever processes it.

A record that cannot be used (a file that is binary or empty, a line that is not a JSON object,
a text that is not a string) is a Record with `error` set: it goes to errors.jsonl and no text
of it is written anywhere.
"""
from __future__ import annotations

import hashlib
import io as _pyio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from .. import io
from ..errors import InputError
from .layout import write_bytes_atomic
from .shard import BatchSettings, Shard, file_sha256


@dataclass(frozen=True)
class Record:
    id: Any  # as it goes into errors.jsonl: the input's id value, or a path / `source:line`
    text: str | None  # None: unusable, see `error`
    error: str | None = None  # the error type of an unusable record
    payload: Any = None  # jsonl: the parsed object; parquet: the row's position in the shard


@dataclass(frozen=True)
class Output:
    path: str  # relative to OUTPUT
    sha256: str

    def to_dict(self) -> dict:
        return {"path": self.path, "sha256": self.sha256}


# -- planning ---------------------------------------------------------------------------------
def plan_source(kind: str, path: Path, rel: str, settings: BatchSettings) -> Iterator[tuple[int, int, int, str]]:
    """(start, stop, first_line, content hash) of each shard of one jsonl or parquet source."""
    if kind == "jsonl":
        yield from _plan_jsonl(path, rel, settings.shard_size)
    else:
        yield from _plan_parquet(path, rel, settings)


def _plan_jsonl(path: Path, rel: str, size: int) -> Iterator[tuple[int, int, int, str]]:
    start = pos = 0
    line = first_line = 1
    h = _jsonl_hasher(rel)
    count = 0
    try:
        with open(path, "rb") as fh:
            for raw in fh:
                h.update(raw)
                pos += len(raw)
                count += 1
                line += 1
                if count == size:
                    yield start, pos, first_line, h.hexdigest()
                    start, first_line, count, h = pos, line, 0, _jsonl_hasher(rel)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    if count or pos == 0:  # the rest; an empty file is one empty shard, so it has an output too
        yield start, pos, first_line, h.hexdigest()


def _jsonl_hasher(rel: str):
    return hashlib.sha256(b"jsonl\0" + rel.encode("utf-8", "surrogateescape") + b"\0")


def _plan_parquet(path: Path, rel: str, settings: BatchSettings) -> Iterator[tuple[int, int, int, str]]:
    pq = _parquet()
    try:
        meta = pq.ParquetFile(path)
    except Exception as exc:
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
    names = meta.schema_arrow.names
    if settings.column not in names:
        raise InputError(f"{path}: no column {settings.column!r} (columns: {', '.join(names)}); pass --column")
    digest = file_sha256(path)
    rows = meta.metadata.num_rows
    for start in range(0, max(rows, 1), settings.shard_size):
        stop = min(rows, start + settings.shard_size)
        h = hashlib.sha256(b"parquet\0" + rel.encode("utf-8", "surrogateescape") + b"\0" + digest.encode())
        h.update(f"\0{start}:{stop}".encode())
        yield start, stop, 0, h.hexdigest()


def _parquet():
    try:
        import pyarrow.parquet as pq
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("Parquet input needs pyarrow (pip install 'jpt-redact[ray]')", name="pyarrow") from exc
    return pq


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShardInput:
    records: list[Record]
    sha256: str | None  # of the content read; None for parquet (hashed whole at planning)
    table: Any = None  # parquet: the shard's rows, reused when writing


def read_records(shard: Shard, root: Path, settings: BatchSettings) -> ShardInput:
    """A shard's records, in order, with the hash of what was read."""
    if shard.kind == "files":
        return ShardInput(*_read_files(shard, root, settings))
    if shard.kind == "jsonl":
        return ShardInput(*_read_jsonl(shard, root, settings))
    table = read_parquet_rows(root / shard.source, shard.start, shard.stop)
    return ShardInput(_parquet_records(shard, table, settings), None, table)


def _read_files(shard: Shard, root: Path, settings: BatchSettings) -> tuple[list[Record], str]:
    h = hashlib.sha256(b"files\0")
    out = []
    for rel in shard.files:
        path = root / rel
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0" + hashlib.sha256(data).hexdigest().encode() + b"\n")
        try:
            if settings.max_bytes is not None and len(data) > settings.max_bytes:
                raise InputError(f"{rel}: over the size limit")
            out.append(Record(rel, io.decode_text(data, rel, encoding=settings.encoding)))
        except InputError:
            out.append(Record(rel, None, "InputError"))
    return out, h.hexdigest()


def _read_jsonl(shard: Shard, root: Path, settings: BatchSettings) -> tuple[list[Record], str]:
    path = root / shard.source
    try:
        with open(path, "rb") as fh:
            fh.seek(shard.start)
            data = fh.read(shard.stop - shard.start)
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or type(exc).__name__})") from None
    h = hashlib.sha256(b"jsonl\0" + shard.source.encode("utf-8", "surrogateescape") + b"\0" + data)
    out = []
    for n, raw in enumerate(data.split(b"\n"), start=shard.first_line):
        if not raw.strip():
            continue
        where = f"{shard.source}:{n}"
        try:
            line = raw.decode(settings.encoding)
            obj = json.loads(line.removeprefix("\ufeff") if n == 1 else line)  # a BOM is not content
        except (ValueError, LookupError):
            out.append(Record(where, None, "DataError"))
            continue
        if not isinstance(obj, dict):
            out.append(Record(where, None, "DataError"))
            continue
        rid = obj.get(settings.id_column, where)
        rid = rid if isinstance(rid, (str, int)) and not isinstance(rid, bool) else where
        text = obj.get(settings.column)
        out.append(Record(rid, text, None, obj) if isinstance(text, str) else Record(rid, None, "InputError"))
    return out, h.hexdigest()


def _parquet_records(shard: Shard, table: Any, settings: BatchSettings) -> list[Record]:
    texts = table.column(settings.column).to_pylist()
    ids = (table.column(settings.id_column).to_pylist() if settings.id_column in table.schema.names
           else [None] * len(texts))
    out = []
    for i, (rid, text) in enumerate(zip(ids, texts)):
        where = f"{shard.source}:{shard.start + i}"
        rid = rid if isinstance(rid, (str, int)) and not isinstance(rid, bool) else where
        out.append(Record(rid, text, None, i) if isinstance(text, str) else Record(rid, None, "InputError", i))
    return out


def read_parquet_rows(path: Path, start: int, stop: int):
    """Rows [start, stop) of a Parquet file, reading only the row groups that hold them."""
    pq = _parquet()
    pf = pq.ParquetFile(path)
    groups, first, offset = [], None, 0
    for g in range(pf.num_row_groups):
        n = pf.metadata.row_group(g).num_rows
        if offset + n > start and offset < stop:
            groups.append(g)
            first = offset if first is None else first
        offset += n
    if not groups:
        return pf.schema_arrow.empty_table()
    return pf.read_row_groups(groups).slice(start - first, stop - start)


# -- writing ----------------------------------------------------------------------------------
def write_outputs(shard: Shard, read: ShardInput, out_root: Path, settings: BatchSettings,
                  done: Sequence[tuple[Record, str]]) -> list[Output]:
    """Write the redacted output of a shard atomically; `done` pairs each written record with
    its redacted text (records that failed are not in it)."""
    if shard.kind == "files":
        outs = []
        for record, text in done:
            data = text.encode("utf-8")
            write_bytes_atomic(out_root / record.id, data)
            outs.append(Output(record.id, hashlib.sha256(data).hexdigest()))
        return outs
    if shard.kind == "jsonl":
        data = b"".join(_jsonl_line({**record.payload, settings.column: text}) for record, text in done)
    else:
        data = _parquet_bytes(read.table, settings, done)
    write_bytes_atomic(out_root / shard.output, data)
    return [Output(shard.output, hashlib.sha256(data).hexdigest())]


def _jsonl_line(obj: dict) -> bytes:
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate in a kept field: escape it rather than fail
        return (json.dumps(obj, ensure_ascii=True) + "\n").encode("ascii")


def _parquet_bytes(table: Any, settings: BatchSettings, done: Sequence[tuple[Record, str]]) -> bytes:
    import pyarrow as pa

    pq = _parquet()
    table = table.take(pa.array([record.payload for record, _ in done], type=pa.int64()))
    i = table.schema.get_field_index(settings.column)
    fld = table.schema.field(i)
    table = table.set_column(i, fld, pa.array([text for _, text in done], type=fld.type))
    buf = _pyio.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()
