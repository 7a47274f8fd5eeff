"""Disjoint character intervals in order: the structure behind drop_nested and the resolver.

Both choose spans greedily (longest or strongest first) and need, per span, "does it overlap
what is kept?" and "which parts of it are free?". A plain sorted list answers by bisection but
inserts by shifting the list, which is quadratic for 10^5 spans; here the sorted intervals live
in blocks of at most 2 * LOAD, so a lookup is two bisections and an insert shifts one block:
O(log n) and O(sqrt n)-bounded, about O(n log n) for n spans.

Intervals are half-open [start, end); `add` merges an interval with every one it overlaps or
touches, so the set stays disjoint and `overlapping` reports maximal runs.
"""
from __future__ import annotations

from bisect import bisect_right
from typing import Iterator

LOAD = 256


class DisjointIntervals:
    __slots__ = ("_starts", "_ends", "_last")

    def __init__(self) -> None:
        self._starts: list[list[int]] = []  # blocks of interval starts
        self._ends: list[list[int]] = []  # the same intervals' ends
        self._last: list[int] = []  # last end of each block, for bisection across blocks

    def __len__(self) -> int:
        return sum(len(b) for b in self._starts)

    def _locate(self, x: int) -> tuple[int, int]:
        """(block, index) of the first interval ending after x; (len(blocks), 0) if none."""
        b = bisect_right(self._last, x)
        if b == len(self._last):
            return b, 0
        return b, bisect_right(self._ends[b], x)

    def overlapping(self, start: int, end: int) -> Iterator[tuple[int, int]]:
        """The intervals that overlap [start, end), in order."""
        b, i = self._locate(start)
        while b < len(self._starts):
            starts, ends = self._starts[b], self._ends[b]
            while i < len(starts):
                if starts[i] >= end:
                    return
                yield starts[i], ends[i]
                i += 1
            b, i = b + 1, 0

    def intersects(self, start: int, end: int) -> bool:
        b, i = self._locate(start)
        return b < len(self._starts) and self._starts[b][i] < end

    def covers(self, pos: int) -> bool:
        return self.intersects(pos, pos + 1)

    def gaps(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) that no interval covers, in order."""
        out, cursor = [], start
        for s, e in self.overlapping(start, end):
            if s > cursor:
                out.append((cursor, s))
            cursor = max(cursor, e)
        if cursor < end:
            out.append((cursor, end))
        return out

    def add(self, start: int, end: int) -> None:
        """Add [start, end), merged with every interval it overlaps or touches."""
        if start >= end:
            return
        b, i = self._locate(start - 1)  # first interval ending at or after start: touches or overlaps
        lo, hi = start, end
        k = b
        while k < len(self._starts):
            starts, ends = self._starts[k], self._ends[k]
            j = bisect_right(starts, end, i)  # intervals before j start at or before end: touch it
            if j > i:
                lo, hi = min(lo, starts[i]), max(hi, ends[j - 1])
                del starts[i:j], ends[i:j]
            if i < len(starts):
                break  # an interval past `end` remains in this block
            k, i = k + 1, 0
        for m in range(min(k, len(self._starts) - 1), b - 1, -1):  # the blocks changed above
            if self._starts[m]:
                self._last[m] = self._ends[m][-1]
            else:
                del self._starts[m], self._ends[m], self._last[m]
        self._insert(lo, hi)

    def _insert(self, lo: int, hi: int) -> None:
        b, i = self._locate(lo)  # nothing overlaps or touches [lo, hi) any more
        if b == len(self._starts):
            if not self._starts or len(self._starts[-1]) >= 2 * LOAD:
                self._starts.append([])
                self._ends.append([])
                self._last.append(hi)
            b, i = len(self._starts) - 1, len(self._starts[-1])
        starts, ends = self._starts[b], self._ends[b]
        starts.insert(i, lo)
        ends.insert(i, hi)
        self._last[b] = ends[-1]
        if len(starts) > 2 * LOAD:  # split: blocks stay between LOAD and 2 * LOAD long
            self._starts[b:b + 1] = [starts[:LOAD], starts[LOAD:]]
            self._ends[b:b + 1] = [ends[:LOAD], ends[LOAD:]]
            self._last[b:b + 1] = [ends[LOAD - 1], ends[-1]]
