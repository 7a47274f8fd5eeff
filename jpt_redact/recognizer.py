"""Recognizers: anything that turns text into candidate (start, end, score) spans.

The JPT model is one recognizer; the others are patterns, checksums and deny-lists. A
recognizer never redacts and never knows the label it proposes: the policy pairs each
recognizer with a label (`build_recognizers`), and `run_recognizers` stamps the label and
the recognizer's name on every Span. The resolver then decides what survives.

Inline patterns and deny-lists run through `safe_regex` (time-limited; a timeout fails the
document closed). What a recognizer returns is checked, never trusted: a span outside the
text, inverted, with non-integer offsets or a score that is not a number in [0, 1] raises a
DetectionError naming the recognizer (a span silently dropped would be text left unredacted).
Empty spans (start == end) hold nothing to redact and are skipped.
"""
from __future__ import annotations

import math
import numbers
import threading
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence, runtime_checkable

from . import registry, safe_regex
from .errors import DetectionError, PluginError
from .findings import Span
from .validators import get_validator

if TYPE_CHECKING:  # pragma: no cover
    from .policy import PatternSpec, Policy

DENY_LIST_NAME = "deny_list"


@runtime_checkable
class Recognizer(Protocol):
    """Finds candidate spans. `find` returns (char start, char end, score) triples."""

    name: str

    def find(self, text: str) -> list[tuple[int, int, float]]: ...


class PatternRecognizer:
    """A policy's inline regular expression, optionally checked by a validator.

    A named group 'value' narrows the span to that group (e.g. the digits after 'Fax:').
    """

    def __init__(self, spec: "PatternSpec"):
        self.spec = spec
        self.name = f"pattern:{spec.name}"
        self._regex = safe_regex.compile(spec.regex, safe_regex.IGNORECASE if spec.ignore_case else 0, name=self.name)
        self._validate = get_validator(spec.validator)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for m in self._regex.finditer(text):
            group = "value" if "value" in self._regex.groupindex and m.group("value") is not None else 0
            start, end = m.span(group)
            if start >= end:
                continue
            if self._validate is not None and not self._validate(text[start:end]):
                continue
            out.append((start, end, self.spec.score))
        return out


class DenyListRecognizer:
    """Reports every whole-word, case-insensitive occurrence of the given values (score 1.0)."""

    name = DENY_LIST_NAME

    def __init__(self, values: Iterable[str]):
        words = sorted({v.strip() for v in values if v.strip()}, key=len, reverse=True)
        self._regex = (
            safe_regex.compile(r"(?<!\w)(?:" + "|".join(safe_regex.escape(w) for w in words) + r")(?!\w)",
                               safe_regex.IGNORECASE, name=DENY_LIST_NAME)
            if words
            else None
        )

    def find(self, text: str) -> list[tuple[int, int, float]]:
        if self._regex is None:
            return []
        return [(m.start(), m.end(), 1.0) for m in self._regex.finditer(text)]


# -- wiring a policy to recognizers ----------------------------------------------------------
_instances: dict[tuple[str, int], Recognizer] = {}
_instances_lock = threading.Lock()


def registered_recognizer(name: str) -> Recognizer:
    """The shared instance of the registered recognizer `name` (entry-point class, no arguments)."""
    factory = registry.recognizers.get(name)  # raises PluginError for unknown names
    key = (name, id(factory))
    with _instances_lock:
        inst = _instances.get(key)
        if inst is None:
            try:
                inst = factory() if isinstance(factory, type) else factory
            except Exception as exc:
                raise PluginError(f"recognizer {name!r} failed to start: {type(exc).__name__}") from exc
            if not callable(getattr(inst, "find", None)) or not isinstance(getattr(inst, "name", None), str):
                raise PluginError(f"recognizer {name!r} does not provide `name` and `find(text)`")
            _instances[key] = inst
        return inst


def build_recognizers(policy: "Policy") -> list[tuple[str, Recognizer]]:
    """(label, recognizer) pairs for every non-model recognizer the policy asks for."""
    pairs: list[tuple[str, Recognizer]] = []
    for label, entity in policy.entities.items():
        for name in entity.recognizers:
            pairs.append((label, registered_recognizer(name)))
        for spec in entity.patterns:
            pairs.append((label, PatternRecognizer(spec)))
        if entity.deny_list:
            pairs.append((label, DenyListRecognizer(entity.deny_list)))
    return pairs


def checked_spans(found: object, n: int, name: str) -> list[tuple[int, int, float]]:
    """What a recognizer returned, as (start, end, score) triples, or a DetectionError that says
    what is wrong with it (offsets and types only: never the text)."""
    def bad(why: str) -> DetectionError:
        return DetectionError(f"recognizer {name!r} returned {why}; not redacted", reason=f"recognizers: {name}: {why}")

    if isinstance(found, (str, bytes)) or not isinstance(found, Iterable):
        raise bad(f"{type(found).__name__}, not a list of (start, end, score)")
    out: list[tuple[int, int, float]] = []
    for item in found:
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 3:
            raise bad(f"an item that is not (start, end, score): {type(item).__name__}")
        start, end, score = item
        if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (start, end)):
            raise bad(f"non-integer offsets ({type(start).__name__}, {type(end).__name__})")
        start, end = int(start), int(end)
        if isinstance(score, bool) or not isinstance(score, numbers.Real) or not math.isfinite(score) or not 0 <= score <= 1:
            raise bad("a score that is not a number in [0, 1]")
        if start > end:
            raise bad(f"an inverted span {start}..{end}")
        if start < 0 or end > n:
            raise bad(f"a span {start}..{end} outside the text (length {n})")
        if start < end:
            out.append((start, end, float(score)))
    return out


def run_recognizers(text: str, pairs: Sequence[tuple[str, Recognizer]]) -> list[Span]:
    """Run each recognizer once per distinct instance and label its spans. Order is stable."""
    spans: list[Span] = []
    cache: dict[int, list[tuple[int, int, float]]] = {}
    n = len(text)
    for label, rec in pairs:
        found = cache.get(id(rec))
        if found is None:
            found = cache[id(rec)] = checked_spans(rec.find(text), n, getattr(rec, "name", type(rec).__name__))
        for start, end, score in found:
            spans.append(Span(start, end, label, score, rec.name))
    return spans
