"""The resolver: one rule set that turns all candidate spans into the final, non-overlapping spans.

Rules, applied in this order (docs/policies.md repeats them for policy authors):

1. Unknown labels. Spans whose label is not an entity type of the policy are dropped.
2. Model threshold and shape. Spans from the JPT model (recognizer "jpt" or "jpt:<head>")
   scoring below the type's threshold are dropped, and so are those whose text does not
   contain the type's `model_requires` regular expression (an "IP address" without a dot or
   colon; searched in the span's text alone, so '^' and '$' anchor to the span). Pattern, checksum and deny-list spans have no threshold: their recognizers only
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

A candidate outside the text raises DetectionError (a span dropped there would be a value left
unredacted without a word). Cost: O(n log n) in the number of candidates: rule 4 sorts and
sweeps, rule 5 keeps the claimed characters as disjoint intervals (jpt_redact.intervals) and visits,
per span, only the intervals it overlaps; characters that no later span can claim (a
whitespace-only or too-short remainder) are merged into the visited intervals so that later
spans do not walk them again. Post-resolution steps (merging fragments of one value, linking
mentions) run after `resolve`, in their own modules.
"""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Mapping, Sequence

from . import safe_regex
from .errors import DetectionError
from .findings import MODEL_RECOGNIZER, Span  # noqa: F401  (MODEL_RECOGNIZER re-exported)
from .intervals import DisjointIntervals
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


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


@lru_cache(maxsize=256)
def _requires(label: str, pattern: str) -> "safe_regex.SafePattern":
    return safe_regex.compile(pattern, name=f"{label}.model_requires")


def _model_span_plausible(text: str, span: Span, policy: "Policy", thresholds: Mapping[str, float] | None) -> bool:
    threshold = thresholds.get(span.label) if thresholds else None
    if span.score < (policy.threshold_for(span.label) if threshold is None else threshold):
        return False
    required = policy.entities[span.label].model_requires
    # the span as its own string: '^' and '$' anchor to it ('^(?=.*\d)\S{8,}' of an API key), which
    # search(text, start, end) would anchor to the document
    return required is None or _requires(span.label, required).search(text[span.start : span.end]) is not None


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
    n = len(text)
    for s in candidates:
        if s.end > n:
            raise DetectionError(f"a candidate span {s.start}..{s.end} ({s.recognizer}) lies outside the text "
                                 f"(length {n}); not redacted", reason=f"resolver: span outside the text ({s.recognizer})")
        if s.label not in policy.entities:
            continue
        if s.from_model and not _model_span_plausible(text, s, policy, thresholds):
            continue
        if not is_deny_span(s) and s.label in allow and text[s.start:s.end].strip().casefold() in allow[s.label]:
            continue
        kept.append(s)
    if not kept:
        return ()

    ranked = sorted(_merge_same_label(kept, policy), key=lambda s: _strength(s, policy), reverse=True)
    claimed = DisjointIntervals()  # characters given to a stronger span
    # `claimed` plus gaps no later span can claim: every deny-list span ranks before every
    # other span, and a remainder left unclaimed (whitespace only, or shorter than the minimum
    # after stripping) stays so for any later span, whose piece of it is a sub-interval.
    visited = DisjointIntervals()
    result: list[Span] = []
    for s in ranked:
        if not claimed.intersects(s.start, s.end):  # untouched: kept whole, as proposed
            result.append(s)
            claimed.add(s.start, s.end)
            visited.add(s.start, s.end)
            continue
        minimum = 1 if is_deny_span(s) else MIN_REMAINDER
        for gs, ge in visited.gaps(s.start, s.end):
            ps, pe = _strip(text, gs, ge)
            if pe - ps >= minimum:
                result.append(Span(ps, pe, s.label, s.score, s.recognizer, s.explanation))
                claimed.add(ps, pe)
                visited.add(ps, pe)
            # A gap bounded on both sides (by visited characters or the text's ends) is now
            # claimed or unclaimable by any later span. One that the span's own end cuts off
            # goes on outside it, and a later span may take a longer piece of it.
            cut_left = gs == s.start and gs > 0 and not visited.covers(gs - 1)
            cut_right = ge == s.end and ge < n and not visited.covers(ge)
            if not (cut_left or cut_right):
                visited.add(gs, ge)
    result.sort(key=lambda s: (s.start, s.end))
    return tuple(result)
