"""Whole values: a finding never starts or ends inside the run of characters that is one value.

The model tags tokens, so its spans can stop inside a value ('Tr0ub4dor' of 'Tr0ub4dor&3horse',
'sk' and '51Hq...' of 'sk_live_51Hq...'), and the resolver, which only sees spans, keeps such
fragments apart with unrelated labels. The Detector calls two functions of this module around
the resolver (docs/policies.md, *Whole values*, repeats the rules for policy authors):

`screen(text, candidates, policy)`, before the resolver:
  S1. A model span of a type with `value.not_followed_by` is dropped when that expression
      matches right after it ('90' before '% stenosis' is no DATE, '81' before ' mg' neither).
  S2. A model span of a type with `value.not_matching` is dropped when that expression matches
      its whole text ('weeks' of 'in 2 weeks' is a duration, no DATE).

`whole(text, spans, policy, candidates)`, after the resolver:
  W0. Restore. A pattern, checksum or plugin span that lost characters to model spans of
      other types (of higher priority) lying inside it is restored whole under its own
      label, and those model spans are dropped: a validated value is neither cut nor
      renamed by guesses ('DE89 3704 0044 0532 0130 00' is no IBAN with three record
      numbers inside, 'BIC: WESTGB2L' no health plan number). A model span that reaches
      outside it (a longer value around it), any other non-model span, and the type's
      allow_list leave the resolver's choice as it is.
  W1. Trim. A model span of a type that is not `opaque` loses trailing sentence punctuation
      ('2 May.' -> '2 May'), a name (`value.link`) its possessive ('Rahman's' -> 'Rahman'),
      and a person's name (`link: person`) the titles it starts with ('Dr. Samuel Okafor' ->
      'Samuel Okafor': a title names no one, the reader keeps 'Dr. <PERSON_2>', and linking
      still reads it just before the name).
  W2. Extend. A model span grows over the run around it: letters and digits, joined by the
      type's `value.joiners`; a joiner is taken only with the letters or digits behind it, so
      a run never ends on a joiner ('web-' -> 'web-01.aisharahman.example', not its final
      '.'), and a name never grows over a possessive. Pattern, checksum and deny-list spans
      keep their exact boundaries.
  W3. Merge. Spans that now overlap, touch, or are separated only by joiners of either type
      form one value, reported once with one label, chosen in this order:
        a. a deny-list span (an explicit instruction),
        b. a span of an `opaque` type (a secret wins over anything inside it),
        c. a span of a non-model recognizer (patterns with validators vouch for their value),
        d. otherwise the model label covering most characters before W2, then the type's
           priority, then the higher score, then the label name;
      within a rule, the longer span first, then the higher score. The merged span keeps the
      winner's score, recognizer and explanation.
  W4. Continue. A span of a type with `value.continued_by` takes in the spans of those labels
      (or its own) that follow it with only spaces, one comma and at most one line break
      between, and text that `value.continued_by_pattern` matches after such a separator where
      no span starts ('12 Rue de' + ' Rivoli' + ',\n75001' + ' Paris' + ', France' is one
      STREET_ADDRESS): an address is one value, and a postcode between its lines is part of
      it. A blank line, a full stop or any word between ends it. The value keeps the first
      span's label, score, recognizer and explanation.

Letters and digits of scripts written without spaces between words (Chinese, Japanese, Thai,
Lao, Khmer, Myanmar) do not make a run: there a run would be the whole sentence.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from .findings import Span
from .linking import TITLES, fold
from .recognizer import DENY_LIST_NAME
from .safe_regex import compile as safe_compile, ensure_safe

if TYPE_CHECKING:  # pragma: no cover
    from .policy import EntityType, Policy

SENTENCE_PUNCTUATION = ".,;:!?"
APOSTROPHES = "'\u2019"
# Scripts without spaces between words: (first, last) code points
_UNSPACED = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x2E80, 0x9FFF), (0xF900, 0xFAFF),
    (0xFF66, 0xFF9F), (0x20000, 0x3FFFF),
)


def is_word_char(c: str) -> bool:
    """A letter or digit that can be part of a run (not of a script written without spaces)."""
    if not c.isalnum():
        return False
    o = ord(c)
    return not any(lo <= o <= hi for lo, hi in _UNSPACED)


# -- S1 ------------------------------------------------------------------------------------------
def screen(text: str, candidates: Sequence[Span], policy: "Policy") -> list[Span]:
    """Drop model spans whose type's `not_followed_by` matches right after them (rule S1) or
    whose `not_matching` matches their whole text (rule S2)."""
    out = []
    for s in candidates:
        et = policy.entities.get(s.label)
        if et is not None and s.from_model:
            # under the time limit of every regex that reads text (compiled once per pattern)
            after, whole_text = et.value.not_followed_by, et.value.not_matching
            if after is not None and ensure_safe(after, f"{s.label}.value.not_followed_by").match(text, s.end) is not None:
                continue
            if whole_text is not None and ensure_safe(whole_text, f"{s.label}.value.not_matching").fullmatch(
                    text, s.start, s.end) is not None:
                continue
        out.append(s)
    return out


# -- W1 and W2 -----------------------------------------------------------------------------------
def _trim(text: str, s: Span, et: "EntityType") -> tuple[int, int]:
    start, end = s.start, s.end
    if et.value.opaque:
        return start, end
    if et.value.link is not None and (end == len(text) or not is_word_char(text[end])):
        tail = text[max(start, end - 2) : end].lower()
        if len(tail) == 2 and tail[0] in APOSTROPHES and tail[1] == "s" and end - start > 2:
            end -= 2  # Rahman's
        elif tail[-1:] in APOSTROPHES and tail[:1] == "s" and end - start > 2:
            end -= 1  # Jones'
    while end - start > 1 and text[end - 1] in SENTENCE_PUNCTUATION and (end == len(text) or not is_word_char(text[end])):
        end -= 1
    if et.value.link == "person":
        start = _after_titles(text, start, end)
    return start, end


def _after_titles(text: str, start: int, end: int) -> int:
    """The start of a name after its leading titles ('Dr. ', 'Mrs '), if a name follows them."""
    while True:
        i = start
        while i < end and text[i].isalpha():
            i += 1
        word_end = i
        if i < end and text[i] == ".":
            i += 1
        j = i
        while j < end and text[j] in " \t":
            j += 1
        if word_end == start or j == i or j >= end or not is_word_char(text[j]) or fold(text[start:word_end]) not in TITLES:
            return start
        start = j


def _grow_left(text: str, i: int, joiners: str) -> int:
    while True:
        j = i
        while j > 0 and text[j - 1] in joiners and not is_word_char(text[j - 1]):
            j -= 1
        k = j
        while k > 0 and is_word_char(text[k - 1]):
            k -= 1
        if k == j:
            return i
        i = k


def _grow_right(text: str, i: int, joiners: str, name: bool) -> int:
    n = len(text)
    while True:
        j = i
        while j < n and text[j] in joiners and not is_word_char(text[j]):
            j += 1
        k = j
        while k < n and is_word_char(text[k]):
            k += 1
        if k == j:
            return i
        if name and j == i + 1 and text[i] in APOSTROPHES and text[j:k].lower() == "s":
            return i  # 'O'Donnell's': the possessive is not part of the name
        i = k


def extended(text: str, s: Span, et: "EntityType") -> Span:
    """The span after rules W1 and W2 (itself when nothing changes or it is not a model span)."""
    if not s.from_model:
        return s
    start, end = _trim(text, s, et)
    start = _grow_left(text, start, et.value.joiners)
    end = _grow_right(text, end, et.value.joiners, et.value.link is not None)
    if (start, end) == (s.start, s.end):
        return s
    return Span(start, end, s.label, s.score, s.recognizer, s.explanation)


# -- W3 ------------------------------------------------------------------------------------------
def _joins(text: str, end: int, nxt: Span, joiners: set[str]) -> bool:
    if nxt.start < end:
        return True
    gap = text[end : nxt.start]
    if not gap:
        return end > 0 and not text[end - 1].isspace() and not text[nxt.start].isspace()
    return all(c in joiners and not c.isspace() for c in gap)


def _winner(cluster: list[tuple[Span, Span]], policy: "Policy") -> Span:
    def et(s: Span) -> "EntityType":
        return policy.entities[s.label]

    spans = [grown for grown, _ in cluster]
    for rule in (lambda s: s.recognizer == DENY_LIST_NAME, lambda s: et(s).value.opaque, lambda s: not s.from_model):
        chosen = [s for s in spans if rule(s)]
        if chosen:
            return max(chosen, key=lambda s: (s.length, not s.from_model, s.score, s.label))
    covered: dict[str, int] = {}
    for _, original in cluster:
        covered[original.label] = covered.get(original.label, 0) + original.length
    return max(spans, key=lambda s: (covered[s.label], et(s).priority, s.score, s.length, s.label))


def _allowed(text: str, s: Span, policy: "Policy") -> bool:
    allow = policy.entities[s.label].allow_list
    return bool(allow) and s.recognizer != DENY_LIST_NAME and \
        text[s.start : s.end].strip().casefold() in {v.strip().casefold() for v in allow}


def restored(text: str, spans: Sequence[Span], candidates: Sequence[Span], policy: "Policy") -> list[Span]:
    """Rule W0: resolved spans with validated values cut by model spans made whole again."""
    result = list(spans)
    whole_ones = {(s.start, s.end, s.label, s.recognizer) for s in spans}
    for c in sorted((c for c in candidates if not c.from_model and c.label in policy.entities),
                    key=lambda c: (-c.length, c.start)):
        if (c.start, c.end, c.label, c.recognizer) in whole_ones or _allowed(text, c, policy):
            continue
        inside = [s for s in result if s.overlaps(c)]
        pieces = [s for s in inside if s.label == c.label and s.recognizer == c.recognizer
                  and c.start <= s.start and s.end <= c.end]
        cutters = [s for s in inside if s not in pieces]
        if not cutters or any(not s.from_model or s.start < c.start or s.end > c.end for s in cutters):
            continue
        result = [s for s in result if s not in inside] + [c]
        whole_ones.add((c.start, c.end, c.label, c.recognizer))
    return sorted(result, key=lambda s: (s.start, s.end))


# -- W4 ------------------------------------------------------------------------------------------
_SEPARATOR = safe_compile(r"[ \t]*,?[ \t]*(?:\r?\n[ \t]*)?", name="whole_values.W4 separator")


def continued(text: str, spans: Sequence[Span], policy: "Policy") -> list[Span]:
    """Rule W4 over sorted, non-overlapping spans."""
    out: list[Span] = []
    i = 0
    while i < len(spans):
        s = spans[i]
        value = policy.entities[s.label].value
        i += 1
        if not value.continued_by and value.continued_by_pattern is None:
            out.append(s)
            continue
        labels = {s.label, *value.continued_by}
        piece = ensure_safe(value.continued_by_pattern, f"{s.label}.value.continued_by_pattern") \
            if value.continued_by_pattern is not None else None
        end = s.end
        while True:
            gap_end = _SEPARATOR.match(text, end).end()
            nxt = spans[i] if i < len(spans) else None
            if nxt is not None and nxt.label in labels and _SEPARATOR.fullmatch(text, end, nxt.start):
                end, i = nxt.end, i + 1
                continue
            m = piece.match(text, gap_end) if piece is not None and gap_end > end else None
            if m is None or m.end() == gap_end or (nxt is not None and nxt.start < m.end()) \
                    or (m.end() < len(text) and is_word_char(text[m.end()])):
                break
            end = m.end()
        out.append(s if end == s.end else Span(s.start, end, s.label, s.score, s.recognizer, s.explanation))
    return out


def whole(text: str, spans: Sequence[Span], policy: "Policy", candidates: Sequence[Span] = ()) -> tuple[Span, ...]:
    """Rules W0-W4 over resolved spans (`candidates`: what the resolver was given, for W0);
    the result is sorted by start and non-overlapping."""
    spans = restored(text, spans, candidates, policy) if candidates else spans
    pairs = sorted(((extended(text, s, policy.entities[s.label]), s) for s in spans), key=lambda p: (p[0].start, p[0].end))
    out: list[Span] = []
    i = 0
    while i < len(pairs):
        cluster = [pairs[i]]
        end = pairs[i][0].end
        joiners = set(policy.entities[pairs[i][0].label].value.joiners)
        i += 1
        while i < len(pairs):
            grown = pairs[i][0]
            own = set(policy.entities[grown.label].value.joiners)
            if not _joins(text, end, grown, joiners | own):
                break
            cluster.append(pairs[i])
            end = max(end, grown.end)
            joiners |= own
            i += 1
        if len(cluster) == 1:
            out.append(cluster[0][0])
            continue
        best = _winner(cluster, policy)
        start = min(grown.start for grown, _ in cluster)
        out.append(Span(start, end, best.label, best.score, best.recognizer, best.explanation))
    return tuple(continued(text, out, policy))
