"""Recognizers: anything that turns text into candidate (start, end, score) spans.

The JPT model is one recognizer; the others are patterns, checksums and deny-lists. A
recognizer never redacts and never knows the label it proposes: the policy pairs each
recognizer with a label (`build_recognizers`), and `run_recognizers` stamps the label and
the recognizer's name on every Span. The resolver then decides what survives.
"""
from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Iterable, Protocol, Sequence, runtime_checkable

from . import registry
from .errors import PluginError
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
        self._regex = re.compile(spec.regex, re.IGNORECASE if spec.ignore_case else 0)
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
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)
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


def run_recognizers(text: str, pairs: Sequence[tuple[str, Recognizer]]) -> list[Span]:
    """Run each recognizer once per distinct instance and label its spans. Order is stable."""
    spans: list[Span] = []
    cache: dict[int, list[tuple[int, int, float]]] = {}
    n = len(text)
    for label, rec in pairs:
        found = cache.get(id(rec))
        if found is None:
            found = cache[id(rec)] = list(rec.find(text))
        for start, end, score in found:
            if 0 <= start < end <= n:
                spans.append(Span(start, end, label, float(score), rec.name))
    return spans
