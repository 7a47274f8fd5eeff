"""brat standoff files: `<doc>.txt` beside `<doc>.ann` (or `.a1`/`.a2`), text-bound `T` lines only.

`T3<TAB>Type 10 20;25 30<TAB>surface` is a discontinuous mention: each fragment becomes a
span of the same type. Relations, events, attributes and notes are ignored.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...data import SpanTuple
from ...errors import DataError


def read_brat_annotations(ann: Path, text_length: int) -> list[SpanTuple]:
    spans: list[SpanTuple] = []
    try:
        lines = ann.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{ann}: cannot open ({exc.strerror})") from None
    for lineno, line in enumerate(lines, 1):
        if not line.startswith("T"):
            continue
        parts = line.split("\t")
        if len(parts) < 2:
            raise DataError(f"{ann}:{lineno}: malformed text-bound annotation")
        head = parts[1].split(" ", 1)
        if len(head) != 2:
            raise DataError(f"{ann}:{lineno}: malformed text-bound annotation")
        label, ranges = head
        for frag in ranges.split(";"):
            try:
                s, e = (int(x) for x in frag.split())
            except ValueError:
                raise DataError(f"{ann}:{lineno}: malformed offsets") from None
            if 0 <= s < e <= text_length:
                spans.append((s, e, label))
            else:
                raise DataError(f"{ann}:{lineno}: offsets {s}..{e} outside the text")
    return spans


def iter_brat(directory: Path, suffixes: tuple[str, ...] = (".ann",)) -> Iterator[tuple[str, str, list[SpanTuple]]]:
    """(document id, text, spans) for every `<doc>.txt` in `directory` (sorted, recursive)."""
    for txt in sorted(directory.rglob("*.txt")):
        try:
            text = txt.read_text(encoding="utf-8")
        except OSError as exc:
            raise DataError(f"{txt}: cannot open ({exc.strerror})") from None
        spans: list[SpanTuple] = []
        found = False
        for suf in suffixes:
            ann = txt.with_suffix(suf)
            if ann.is_file():
                found = True
                spans += read_brat_annotations(ann, len(text))
        if found:
            yield txt.stem, text, sorted(set(spans))
