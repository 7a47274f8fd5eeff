"""Token probabilities -> character spans.

Consecutive tokens of the same type merge into one span; a short run of whitespace-only
tokens between two tokens of the same type does not break it (addresses and names can span
a line break), but a column gap does: a tab, two spaces or more within a line, or a blank
line separate fields of a form ('Patient: Margaret O'Donnell          MRN: ...'), never the
parts of one value. Spans are snapped outwards to word boundaries (a token that starts inside a
word takes the whole word) and stripped of surrounding whitespace and punctuation; a span
with no letter or digit left ('#', '@', '_') is dropped. The score is the mean probability
of the span's tokens.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..findings import MODEL_RECOGNIZER, Span

_EDGE_PUNCT = " \t\r\n\u00a0\"'`«»“”‘’()[]{}<>,;:!?.…"
_MAX_GAP_TOKENS = 2


def _is_gap(text: str, start: int, end: int) -> bool:
    return end <= start or text[start:end].isspace()


def is_column_gap(space: str) -> bool:
    """Whitespace that separates fields (tab, 2+ spaces on one line, a blank line), not words."""
    if "\t" in space or space.count("\n") >= 2:
        return True
    return "\n" not in space and "  " in space  # a line break with indentation still joins


def _breaks(text: str, end: int, start: int) -> bool:
    """Whether the whitespace between a run's end and the next token's first character is a column gap."""
    j = start
    while j < len(text) and text[j].isspace():
        j += 1
    return is_column_gap(text[end:j])


def _snap(text: str, start: int, end: int) -> tuple[int, int]:
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    first = start
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCT:
        # keep a closing bracket whose opening bracket is inside the span: "(555) 123-4567"
        ch = text[end - 1]
        if ch in ")]}" and "([{"[")]}".index(ch)] in text[start : end - 1]:
            break
        end -= 1
    # give back an opening bracket that the span closes: "(555) 123-4567"
    if start > first and text[start - 1] in "([{":
        close = ")]}"["([{".index(text[start - 1])]
        if text[start:end].count(close) > text[start:end].count(text[start - 1]):
            start -= 1
    return start, end


def _grow(token_labels: np.ndarray, probs: np.ndarray, low: np.ndarray) -> np.ndarray:
    labels = token_labels.copy()
    n = len(labels)
    for order in (range(1, n), range(n - 2, -1, -1)):  # rightwards, then leftwards
        step = 1 if order.step == 1 else -1
        for i in order:
            prev = labels[i - step]
            if labels[i] < 0 and prev >= 0 and probs[i, prev] >= low[prev]:
                labels[i] = prev
    return labels


def _runs(text: str, offsets: Sequence[tuple[int, int]], token_labels: np.ndarray, token_scores: np.ndarray):
    """Yield (label_index, first_token, last_token, mean_score) for merged runs.

    A NaN score marks a token that belongs to the run but does not count in its score."""
    run_label, run_first, run_last, scores, gap = -1, 0, 0, [], 0
    for i, (s, e) in enumerate(offsets):
        lab = int(token_labels[i])
        if lab < 0 and run_label >= 0 and _is_gap(text, s, e) and gap < _MAX_GAP_TOKENS:
            gap += 1
            continue
        if lab >= 0 and lab == run_label and not _breaks(text, offsets[run_last][1], s):
            run_last, gap = i, 0
            if not np.isnan(token_scores[i]):
                scores.append(float(token_scores[i]))
            continue
        if run_label >= 0:
            yield run_label, run_first, run_last, float(np.mean(scores)) if scores else 0.0
        run_label, gap = lab, 0
        if lab >= 0:
            run_first = run_last = i
            scores = [] if np.isnan(token_scores[i]) else [float(token_scores[i])]
    if run_label >= 0:
        yield run_label, run_first, run_last, float(np.mean(scores)) if scores else 0.0


def _spans_from_labels(text, offsets, token_labels, token_scores, labels, recognizer) -> list[Span]:
    out: list[Span] = []
    for lab, first, last, score in _runs(text, offsets, token_labels, token_scores):
        start, end = _snap(text, offsets[first][0], offsets[last][1])
        if end > start and any(c.isalnum() for c in text[start:end]):
            if out and out[-1].label == labels[lab] and out[-1].end >= start:
                prev = out.pop()  # two runs snapped into the same word
                start, score = prev.start, max(prev.score, score)
                end = max(end, prev.end)
            out.append(Span(start, end, labels[lab], score, recognizer))
    return out


def decode_spans(
    text: str,
    offsets: Sequence[tuple[int, int]],
    probs: np.ndarray,
    labels: Sequence[str],
    thresholds: Sequence[float],
    *,
    nested: bool = False,
    recognizer: str = MODEL_RECOGNIZER,
    grow: float | Sequence[float] = 1.0,
) -> list[Span]:
    """probs: [T, N] per-type probabilities for T text tokens.

    grow < 1 (one value, or one per label): hysteresis. A span found at the type's threshold
    extends over neighbouring unlabelled tokens whose probability for the type is at least
    `grow` x the threshold (the house number before a street the model is sure of, the
    first name before a surname). Spans only grow; no new span starts below the threshold.
    """
    if len(offsets) == 0 or len(labels) == 0:
        return []
    thr = np.asarray(thresholds, dtype=np.float32)
    best = probs.argmax(-1)
    best_p = probs[np.arange(len(best)), best]
    token_labels = np.where(best_p >= thr[best], best, -1)
    token_scores = best_p
    ratio = np.broadcast_to(np.asarray(grow, dtype=np.float32), thr.shape)
    if (ratio < 1.0).any():
        seeds = token_labels >= 0
        # a ratio of 1 means no growth for that label: its low mark is out of reach
        token_labels = _grow(token_labels, probs, np.where(ratio < 1.0, thr * ratio, 2.0))
        # grown tokens widen a span but do not lower its score: the score stays that of the
        # tokens that cleared the threshold, so the resolver's threshold check still holds
        token_scores = np.where(seeds, best_p, np.nan)
    spans = _spans_from_labels(text, offsets, token_labels, token_scores, labels, recognizer)
    if nested:
        seen = {(s.start, s.end, s.label) for s in spans}
        for j in range(len(labels)):
            above = np.where(probs[:, j] >= thr[j], j, -1)
            for s in _spans_from_labels(text, offsets, above, probs[:, j], labels, recognizer):
                if (s.start, s.end, s.label) not in seen:
                    seen.add((s.start, s.end, s.label))
                    spans.append(s)
        spans.sort(key=lambda s: (s.start, -s.end))
    return spans
