"""SNIPS NLU benchmark (Coucke et al., 2018): voice-assistant queries over seven intents.

`snips_train.jsonl` (the `train_*_full` files) is the train split and `snips_validate.jsonl`
the dev split, one JSON line `{intent, text, spans: [{start, end, text, label}]}` each.
Raw labels are the slot names (`playlist`, `timeRange`, ...); the intent goes to `meta`.

`iter_span_records` reads this line format for SLURP too (`slurp.py`).
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ...data import Example, SpanTuple
from ...errors import DataError
from . import Corpus, register

log = logging.getLogger(__name__)

_FILES = {"train": "snips_train.jsonl", "dev": "snips_validate.jsonl"}


def _trim(text: str, s: int, e: int, strip_possessive: bool) -> tuple[int, int]:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if strip_possessive and e - s > 2 and text[e - 2:e] in ("'s", "\u2019s"):
        e -= 2
    return s, e


def iter_span_records(path: Path, stats: Counter, *, strip_possessive: bool = False
                      ) -> Iterator[tuple[int, dict[str, Any], list[SpanTuple]]]:
    """(line number, record, spans) for each line of a `{text, spans: [{start, end, label}]}` file.

    Spans are trimmed of surrounding whitespace (a few SNIPS values end in a space) and,
    with `strip_possessive`, of a final "'s" (SLURP marks "john's" as a person).
    """
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{where}: invalid JSON ({exc.msg})") from None
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) \
                    or not isinstance(rec.get("spans"), list):
                raise DataError(f"{where}: expected an object with a string 'text' and a list 'spans'")
            text = rec["text"]
            spans: list[SpanTuple] = []
            for sp in rec["spans"]:
                if not isinstance(sp, dict):
                    raise DataError(f"{where}: a span must be an object")
                s, e, lab = sp.get("start"), sp.get("end"), sp.get("label")
                if not (isinstance(s, int) and isinstance(e, int) and isinstance(lab, str) and lab):
                    raise DataError(f"{where}: a span needs integer start/end and a non-empty label")
                if not 0 <= s < e <= len(text):
                    raise DataError(f"{where}: span {s}..{e} ({lab}) is outside the text (length {len(text)})")
                if "text" in sp and sp["text"] != text[s:e]:
                    raise DataError(f"{where}: span {s}..{e} ({lab}) does not match its recorded surface")
                s, e = _trim(text, s, e, strip_possessive)
                if s >= e:
                    stats["blank span"] += 1
                    continue
                spans.append((s, e, lab))
            spans.sort()
            kept: list[SpanTuple] = []
            for sp in spans:
                if kept and sp[0] < kept[-1][1]:
                    stats["overlapping span"] += 1
                    continue
                kept.append(sp)
            yield lineno, rec, kept


def normalized(text: str) -> str:
    """Key for spotting the same utterance in two splits (case and spacing ignored)."""
    return " ".join(text.lower().split())


def read_split(folder: Path, split: str, files: dict[str, str], make_meta, *, name: str,
               strip_possessive: bool = False) -> Iterator[Example]:
    """Examples of one split; dev utterances also found verbatim in train are dropped."""
    if split not in files:
        raise DataError(f"{name}: unknown split {split!r} (use train or dev)")
    stats: Counter = Counter()
    seen: set[str] = set()
    if split == "dev":
        seen = {normalized(rec["text"]) for _, rec, _ in iter_span_records(folder / files["train"], Counter())}
    for lineno, rec, spans in iter_span_records(folder / files[split], stats, strip_possessive=strip_possessive):
        if split == "dev" and normalized(rec["text"]) in seen:
            stats["dev utterance also in train"] += 1
            continue
        yield Example(rec["text"], spans, meta=make_meta(split, lineno, rec))
    if stats:
        log.info("%s %s: %s", name, split, ", ".join(f"{n} {why}" for why, n in sorted(stats.items())))


def _meta(split: str, lineno: int, rec: dict[str, Any]) -> dict[str, Any]:
    return {"doc_id": f"{split}/{lineno}", "intent": str(rec.get("intent", ""))}


def read_snips(folder: Path, split: str) -> Iterator[Example]:
    return read_split(folder, split, _FILES, _meta, name="snips")


register(Corpus(
    "snips", "snips", read_snips, splits=("train", "dev"), licence="CC0 1.0",
    citation="Coucke et al., 2018, Snips Voice Platform: an embedded Spoken Language Understanding "
             "system for private-by-design voice interfaces",
))
