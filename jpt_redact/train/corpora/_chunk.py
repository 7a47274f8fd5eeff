"""Cut long documents into training-sized pieces without cutting through an entity.

Training reads at most `max_tokens` tokens per example, so a novel chapter or a full
article has to be split. Cuts go at sentence ends (or line breaks, or spaces as a last
resort) and never inside a span; spans are re-based to each piece.
"""
from __future__ import annotations

import re
from typing import Iterable

from ...data import Example, SpanTuple

_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


def _cut_points(text: str) -> list[int]:
    return [m.end() for m in _SENTENCE_END.finditer(text)]


def chunk_document(text: str, spans: Iterable[SpanTuple], *, max_chars: int = 600, min_chars: int = 20,
                   meta: dict | None = None) -> list[Example]:
    """Pieces of at most ~`max_chars` characters (longer only when no safe cut exists)."""
    spans = sorted(spans)
    inside = bytearray(len(text) + 1)  # 1 where a cut would split a span
    for s, e, _ in spans:
        for i in range(s + 1, e):
            inside[i] = 1
    cuts = [c for c in _cut_points(text) if not inside[c]]
    pieces: list[tuple[int, int]] = []
    start = 0
    last_ok = None
    for c in cuts + [len(text)]:
        if c - start > max_chars and last_ok is not None and last_ok > start:
            pieces.append((start, last_ok))
            start = last_ok
        last_ok = c
    if start < len(text):
        pieces.append((start, len(text)))
    out = []
    for a, b in pieces:
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        seg = seg.strip()
        if len(seg) < min_chars:
            continue
        a2 = a + lead
        local = [(s - a2, e - a2, lab) for s, e, lab in spans if s >= a2 and e <= a2 + len(seg)]
        out.append(Example(text=seg, spans=local, meta=dict(meta or {})))
    return out
