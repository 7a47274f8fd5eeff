"""Shared machinery for the built-in regex recognizers (one small class per module).

A RegexRecognizer lists (regex, score) rules; `check(value)` may reject a match or change its
score (checksums), and `context` demands nearby keywords before the value (e.g. 'CVV').
Spans use the regex group 'value' when it exists, else the whole match.

Rules are `safe_regex` patterns (the `regex` module under a time limit, a timeout fails the
document closed). A rule given as a plain `re.Pattern` is recompiled through safe_regex on first
use, so no recognizer built on this class runs an unguarded regex. Every shipped pattern has a
linear-time test (tests/test_linear_time.py): keep new ones free of adjacent or nested
quantifiers over the same characters (`\\s*:?\\s*` is quadratic, `\\s*(?::\\s*)?` is not).

`drop_nested` is sort-and-sweep, O(n log n) in the number of matches.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Any, Callable, ClassVar

from ...intervals import DisjointIntervals
from ...safe_regex import SafePattern, ensure_safe
from ...validators import digits_of  # noqa: F401  (re-exported for the recognizers here)


class RegexRecognizer:
    name: ClassVar[str] = "pattern"
    rules: ClassVar[tuple[tuple[Any, float], ...]] = ()  # (SafePattern or re.Pattern, score)
    context: ClassVar[Any] = None  # must match in the window before the value
    context_window: ClassVar[int] = 40

    def check(self, value: str, score: float) -> float | None:
        """Return the final score, or None to reject the match."""
        return score

    def _safe_rules(self) -> tuple[tuple[SafePattern, float], ...]:
        cls = type(self)
        cached = cls.__dict__.get("_compiled_rules")
        if cached is None or cached[0] is not cls.rules:
            cached = (cls.rules, tuple((ensure_safe(r, self.name), score) for r, score in cls.rules))
            cls._compiled_rules = cached  # type: ignore[attr-defined]
        return cached[1]

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: dict[tuple[int, int], float] = {}
        for regex, base in self._safe_rules():
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
        context = ensure_safe(self.context, self.name)
        return context.search(text, max(0, start - self.context_window), start) is not None


def _longest_then_strongest(item: tuple[tuple[int, int], float]) -> tuple:
    (s, e), score = item
    return (s - e, -score, s)


def drop_nested(found: dict[tuple[int, int], float],
                key: Callable[[tuple[tuple[int, int], float]], Any] = _longest_then_strongest) -> list[tuple[int, int, float]]:
    """Keep the longest of overlapping matches from one recognizer (ties: higher score, then
    earlier start; `key` may order them otherwise). Greedy in that order, each candidate
    checked against the kept ones by bisection (jpt_redact.intervals)."""
    kept_chars = DisjointIntervals()
    kept: list[tuple[int, int, float]] = []
    for (s, e), score in sorted(found.items(), key=key):
        if s < e and not kept_chars.intersects(s, e):
            kept_chars.add(s, e)
            kept.append((s, e, score))
    kept.sort()
    return kept


def shannon_entropy(value: str) -> float:
    """Bits per character of the value's own character distribution."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())
