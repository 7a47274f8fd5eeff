"""Shared machinery for the built-in regex recognizers (one small class per module).

A RegexRecognizer lists (regex, score) rules; `check(value)` may reject a match or change its
score (checksums), and `context` demands nearby keywords before the value (e.g. 'CVV').
Spans use the regex group 'value' when it exists, else the whole match.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import ClassVar, Pattern

from ...validators import digits_of  # noqa: F401  (re-exported for the recognizers here)


class RegexRecognizer:
    name: ClassVar[str] = "pattern"
    rules: ClassVar[tuple[tuple[Pattern[str], float], ...]] = ()
    context: ClassVar[Pattern[str] | None] = None  # must match in the window before the value
    context_window: ClassVar[int] = 40

    def check(self, value: str, score: float) -> float | None:
        """Return the final score, or None to reject the match."""
        return score

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: dict[tuple[int, int], float] = {}
        for regex, base in self.rules:
            for m in regex.finditer(text):
                group = "value" if "value" in regex.groupindex and m.group("value") is not None else 0
                start, end = m.span(group)
                if start >= end:
                    continue
                if self.context is not None and not self.has_context(text, start):
                    continue
                score = self.check(text[start:end], base)
                if score is None:
                    continue
                if score > found.get((start, end), -1.0):
                    found[(start, end)] = score
        return drop_nested(found)

    def has_context(self, text: str, start: int) -> bool:
        assert self.context is not None
        return self.context.search(text, max(0, start - self.context_window), start) is not None


def drop_nested(found: dict[tuple[int, int], float]) -> list[tuple[int, int, float]]:
    """Keep the longest of overlapping matches from one recognizer (ties: higher score)."""
    ordered = sorted(found.items(), key=lambda kv: (-(kv[0][1] - kv[0][0]), -kv[1], kv[0][0]))
    kept: list[tuple[int, int, float]] = []
    for (s, e), score in ordered:
        if all(e <= ks or s >= ke for ks, ke, _ in kept):
            kept.append((s, e, score))
    return sorted(kept)


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())
