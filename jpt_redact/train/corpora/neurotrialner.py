"""NeuroTrialNER (Doneva et al., 2024): ClinicalTrials.gov registry entries on neurological conditions.

`{train,dev,test}.json`: a JSON list of trials, each `{nctid, text, tokens, token_bio_labels,
entities: [{start, end, text, type}]}` where `text` is the official title, ' | ', then the brief
summary. Types: the condition studied and seven intervention kinds (DRUG, BEHAVIOURAL,
SURGICAL, PHYSICAL, RADIOTHERAPY, OTHER, CONTROL). train.json is `train`, dev.json is `dev`;
test.json is never read.

The character offsets of `entities` are used (they match `text` exactly); the token/BIO fields
are redundant. Trials are cut with `chunk_document`; overlapping entities (none in the
release) would keep the outermost.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from ...data import Example, SpanTuple
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document
from .cellfinder import outermost

_FILES = {"train": "train.json", "dev": "dev.json"}


def _entities(path: Path, index: int, item: dict) -> list[SpanTuple]:
    text = item["text"]
    spans = []
    for j, ent in enumerate(item.get("entities") or ()):
        try:
            s, e, label = ent["start"], ent["end"], ent["type"]
        except (KeyError, TypeError):
            raise DataError(f"{path}: item {index} entity {j}: needs start, end and type") from None
        if not (isinstance(s, int) and isinstance(e, int) and 0 <= s < e <= len(text)) or not label:
            raise DataError(f"{path}: item {index} entity {j}: offsets {s!r}..{e!r} outside the text")
        if "text" in ent and text[s:e] != ent["text"]:
            raise DataError(f"{path}: item {index} entity {j}: offsets do not match the entity's surface text")
        spans.append((s, e, str(label)))
    return outermost(spans)[0]


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FILES:
        raise DataError(f"neurotrialner: unknown split {split!r}")
    path = folder / _FILES[split]
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: invalid JSON") from None
    if not isinstance(items, list):
        raise DataError(f"{path}: expected a JSON list of trials")
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise DataError(f"{path}: item {i}: expected an object with a 'text' string")
        meta = {"doc_id": str(item.get("nctid") or f"{split}-{i}")}
        yield from chunk_document(item["text"], _entities(path, i, item), meta=meta)


register(Corpus(
    "neurotrialner", "neurotrialner", _read, splits=("train", "dev"),
    licence="MIT (NeuroTrialNER repository); texts from ClinicalTrials.gov (public domain)",
    citation="Doneva et al., 2024, NeuroTrialNER: an annotated corpus for neurological diseases and "
             "therapies in clinical trial registries, EMNLP 2024",
))
