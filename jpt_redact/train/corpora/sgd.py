"""Schema-Guided Dialogue (SGD; Rastogi et al., 2020): assistant dialogues, one example per turn.

`sgd_spans_{train,dev}.jsonl.gz` hold one JSON line per turn (converted from the original
dialogues by `conv.py` in the folder): `{dialogue_id, turn, speaker, text, spans: [{start,
end, text, slot, service, description}]}`. Only non-categorical slots have spans; values of
categorical slots (party sizes, seat classes, airlines, car types, ...) occur in the text
unmarked, which is why `sgd.yaml` excludes so many kinds from negative sampling. The test
file is never read: it stays SGD's own evaluation set.

Raw labels are slot names, one per name across services (`city` of Restaurants_1 and of
Services_2 is one label). A few generic names stand for different roles in different
domains (`date` is an event date in Events, a table reservation date in Restaurants, a
forecast day in Weather), and one label cannot have one definition for all of them; those
become `slot@Domain` (see `_BY_DOMAIN`).

Turns without any span are kept one in four (every fourth such turn of the split, so the
choice is deterministic): they teach "nothing to tag here" without swamping the slot turns.
"""
from __future__ import annotations

import gzip
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ...data import Example, SpanTuple
from ...errors import DataError
from . import Corpus, register

log = logging.getLogger(__name__)

_FILES = {"train": "sgd_spans_train.jsonl.gz", "dev": "sgd_spans_dev.jsonl.gz"}
SPANLESS_KEEP_EVERY = 4

# Slot names whose role depends on the domain; every other slot name is its own raw label.
_BY_DOMAIN = frozenset({"date", "time", "destination", "genre", "category", "price"})


def domain_of(service: str) -> str:
    """`Restaurants_1` -> `Restaurants` (services of one domain share a schema family)."""
    head, _, number = service.rpartition("_")
    return head if head and number.isdigit() else service


def raw_label(slot: str, service: str) -> str:
    return f"{slot}@{domain_of(service)}" if slot in _BY_DOMAIN else slot


def _bad(path: Path, lineno: int, what: str) -> DataError:
    return DataError(f"{path}:{lineno}: {what}")


def _parse(path: Path, lineno: int, line: str) -> dict[str, Any]:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _bad(path, lineno, f"invalid JSON ({exc.msg})") from None
    if not isinstance(rec, dict):
        raise _bad(path, lineno, "expected a JSON object")
    if not (isinstance(rec.get("dialogue_id"), str) and isinstance(rec.get("text"), str)
            and isinstance(rec.get("turn"), int) and isinstance(rec.get("spans"), list)):
        for key, typ in (("dialogue_id", str), ("text", str), ("turn", int), ("spans", list)):
            if not isinstance(rec.get(key), typ):
                raise _bad(path, lineno, f"field {key!r} missing or not a {typ.__name__}")
    return rec


def _spans(path: Path, lineno: int, rec: dict[str, Any], stats: Counter) -> tuple[list[SpanTuple], list[str]]:
    """Spans with raw labels (nested ones dropped) and the services they come from."""
    if not rec["spans"]:
        return [], []
    text = rec["text"]
    found: list[tuple[int, int, str, str]] = []
    for sp in rec["spans"]:
        if not isinstance(sp, dict):
            raise _bad(path, lineno, "a span must be an object")
        s, e, slot, service = sp.get("start"), sp.get("end"), sp.get("slot"), sp.get("service")
        if not (isinstance(s, int) and isinstance(e, int) and isinstance(slot, str) and slot
                and isinstance(service, str) and service):
            raise _bad(path, lineno, "a span needs integer start/end and non-empty slot and service")
        if not 0 <= s < e <= len(text):
            raise _bad(path, lineno, f"span {s}..{e} ({slot}) is outside the text (length {len(text)})")
        if "text" in sp and sp["text"] != text[s:e]:
            raise _bad(path, lineno, f"span {s}..{e} ({slot}) does not match its recorded surface")
        found.append((s, e, raw_label(slot, service), service))
    # A value may be marked for two frames, or a city inside a theatre name ("Century at
    # Hayward" + "Hayward"): the softmax head wants one label per token, so the longest wins.
    found.sort(key=lambda t: (t[0], -(t[1] - t[0]), t[2]))
    spans: list[SpanTuple] = []
    services: list[str] = []
    end = 0
    for s, e, lab, service in found:
        if spans and (s, e, lab) == spans[-1]:
            stats["duplicate span"] += 1
            continue
        if s < end:
            stats["overlapping span"] += 1
            continue
        spans.append((s, e, lab))
        end = e
        if service not in services:
            services.append(service)
    return spans, services


def _dialogues(path: Path) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """The file's dialogues in order: lists of (line number, turn record)."""
    try:
        fh = gzip.open(path, "rt", encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror or exc})") from None
    current: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    try:
        with fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                rec = _parse(path, lineno, line)
                if current and rec["dialogue_id"] != current[0][1]["dialogue_id"]:
                    yield current
                    current = []
                if not current:
                    if rec["dialogue_id"] in seen:
                        raise _bad(path, lineno, "the turns of a dialogue are not contiguous")
                    seen.add(rec["dialogue_id"])
                current.append((lineno, rec))
    except (OSError, EOFError, UnicodeDecodeError) as exc:  # truncated or not gzip
        raise DataError(f"{path}: cannot read ({type(exc).__name__})") from None
    if current:
        yield current


def read_sgd(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FILES:  # never the test file: it stays SGD's own evaluation set
        raise DataError(f"sgd: unknown split {split!r} (use train or dev)")
    path = folder / _FILES[split]
    stats: Counter = Counter()
    spanless = 0
    for dialogue in _dialogues(path):
        turns = [(rec, *_spans(path, lineno, rec, stats)) for lineno, rec in dialogue]
        dialogue_services = sorted({svc for _, _, services in turns for svc in services})
        dialogue_domains = sorted({domain_of(svc) for svc in dialogue_services})
        for rec, spans, services in turns:
            if not spans:
                spanless += 1
                if (spanless - 1) % SPANLESS_KEEP_EVERY:
                    stats["span-less turn not kept"] += 1
                    continue
            service = services[0] if services else (dialogue_services[0] if dialogue_services else None)
            meta = {
                # SGD numbers dialogues per split, so ids repeat across train and dev.
                "dialogue_id": f"{split}/{rec['dialogue_id']}",
                "turn": rec["turn"],
                "speaker": str(rec.get("speaker", "")),
                "service": service,
                "domain": domain_of(service) if service else None,
                # Every domain of the dialogue: hold a domain out by dropping the examples
                # that list it, so its span-less turns do not leak into training either.
                "dialogue_domains": dialogue_domains,
            }
            yield Example(rec["text"], spans, meta=meta)
    if stats:
        log.info("sgd %s: %s", split, ", ".join(f"{n} {why}" for why, n in sorted(stats.items())))


register(Corpus(
    "sgd", "sgd_spans", read_sgd, splits=("train", "dev"), licence="CC BY-SA 4.0",
    citation="Rastogi et al., 2020, Towards Scalable Multi-Domain Conversational Agents: "
             "The Schema-Guided Dialogue Dataset (AAAI)",
))
