"""The resolver: one rule set that turns all candidate spans into the final, non-overlapping spans.

Rules, applied in this order (docs/policies.md repeats them for policy authors):

1. Unknown labels. Spans whose label is not an entity type of the policy are dropped.
2. Model threshold and shape. Spans from the JPT model (recognizer "jpt" or "jpt:<head>")
   scoring below the type's threshold are dropped, and so are those whose text does not
   contain the type's `model_requires` regular expression (an "IP address" without a dot or
   colon). Pattern, checksum and deny-list spans have no threshold: their recognizers only
   propose what they can vouch for.
3. Allow-list. Spans whose value (stripped, case-insensitive) is in the type's allow_list are
   dropped, except deny-list spans.
4. Same label. Overlapping spans of the same label merge into their union, with the highest
   score; the merged span keeps the recognizer name of its strongest part.
5. Different labels. Spans are ranked, strongest first, by
     a. deny-list evidence (an explicit instruction beats any inference),
     b. the type's priority (EntityType.priority, higher first),
     c. score, where a non-model span (pattern, checksum, deny-list, third party) counts 0.05
        higher than it is when compared with a model span, so that within 0.05 the
        verifiable evidence wins,
     d. non-model over model, then the higher raw score,
     e. the longer span, then the earlier start, then the label name (a total order).
   Each span, in that order, keeps only the characters no stronger span has claimed. A span
   that loses part of its characters is trimmed to the remaining piece(s), stripped of
   surrounding whitespace; pieces shorter than 2 characters are dropped (deny-list pieces are
   kept at any length, so every character a deny-list matched stays redacted), and a span
   entirely covered is dropped.
6. The result is sorted by start and no two spans overlap.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Mapping, Sequence

from .findings import MODEL_RECOGNIZER, Span  # noqa: F401  (MODEL_RECOGNIZER re-exported)
from .recognizer import DENY_LIST_NAME

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy

EVIDENCE_BONUS = 0.05
MIN_REMAINDER = 2


def is_model_span(span: Span) -> bool:
    return span.from_model


def is_deny_span(span: Span) -> bool:
    return span.recognizer == DENY_LIST_NAME


def _strength(span: Span, policy: "Policy") -> tuple:
    evidence = not is_model_span(span)
    return (
        is_deny_span(span),
        policy.entities[span.label].priority,
        round(span.score + (EVIDENCE_BONUS if evidence else 0.0), 9),
        evidence,
        span.score,
        span.length,
        -span.start,
        span.label,
    )


def _merge_same_label(spans: list[Span], policy: "Policy") -> list[Span]:
    by_label: dict[str, list[Span]] = {}
    for s in spans:
        by_label.setdefault(s.label, []).append(s)
    merged: list[Span] = []
    for group in by_label.values():
        group.sort(key=lambda s: (s.start, s.end))
        cluster = [group[0]]
        end = group[0].end
        for s in group[1:]:
            if s.start < end:
                cluster.append(s)
                end = max(end, s.end)
            else:
                merged.append(_union(cluster, policy))
                cluster, end = [s], s.end
        merged.append(_union(cluster, policy))
    return merged


def _union(cluster: list[Span], policy: "Policy") -> Span:
    if len(cluster) == 1:
        return cluster[0]
    best = max(cluster, key=lambda s: _strength(s, policy))
    return Span(
        min(s.start for s in cluster),
        max(s.end for s in cluster),
        best.label,
        max(s.score for s in cluster),
        best.recognizer,
        best.explanation,
    )


def _uncovered(span: Span, taken: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces = [(span.start, span.end)]
    for ts, te in taken:
        nxt = []
        for ps, pe in pieces:
            if te <= ps or ts >= pe:
                nxt.append((ps, pe))
                continue
            if ps < ts:
                nxt.append((ps, ts))
            if te < pe:
                nxt.append((te, pe))
        pieces = nxt
    return pieces


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _model_span_plausible(text: str, span: Span, policy: "Policy", thresholds: Mapping[str, float] | None) -> bool:
    threshold = thresholds.get(span.label) if thresholds else None
    if span.score < (policy.threshold_for(span.label) if threshold is None else threshold):
        return False
    required = policy.entities[span.label].model_requires
    # re caches compiled patterns; policies hold a handful
    return required is None or re.search(required, text[span.start : span.end]) is not None


def resolve(text: str, candidates: Sequence[Span], policy: "Policy",
            thresholds: Mapping[str, float] | None = None) -> tuple[Span, ...]:
    """Apply the rules in this module's docstring; returns spans sorted by start, non-overlapping.

    thresholds: per-type model thresholds to use instead of the policy's (calibration tries
    many without copying the policy); types missing from it keep the policy's."""
    kept: list[Span] = []
    allow = {
        label: {v.strip().casefold() for v in et.allow_list}
        for label, et in policy.entities.items()
        if et.allow_list
    }
    for s in candidates:
        if s.label not in policy.entities or s.end > len(text):
            continue
        if s.from_model and not _model_span_plausible(text, s, policy, thresholds):
            continue
        if not is_deny_span(s) and s.label in allow and text[s.start:s.end].strip().casefold() in allow[s.label]:
            continue
        kept.append(s)
    if not kept:
        return ()

    ranked = sorted(_merge_same_label(kept, policy), key=lambda s: _strength(s, policy), reverse=True)
    taken: list[tuple[int, int]] = []
    result: list[Span] = []
    for s in ranked:
        pieces = _uncovered(s, taken)
        if pieces == [(s.start, s.end)]:
            result.append(s)
            taken.append((s.start, s.end))
            continue
        for ps, pe in pieces:
            ps, pe = _strip(text, ps, pe)
            if pe - ps >= (1 if is_deny_span(s) else MIN_REMAINDER):
                result.append(Span(ps, pe, s.label, s.score, s.recognizer, s.explanation))
                taken.append((ps, pe))
    result.sort(key=lambda s: (s.start, s.end))
    return tuple(result)
