"""Re-DocRED (Tan et al., EMNLP 2022): DocRED's Wikipedia introductions with revised annotations.

Files: `dev_revised.json` and `test_revised.json`, each a JSON list of
`{title, sents: [[token]], vertexSet: [[{name, sent_id, pos: [a, b], type}]]}`. The revised
train file is not in our copy, so `dev_revised` is our train split and `test_revised` our dev
split. Neither is one of this project's sealed evaluation sets (they were decontaminated
against those before copying).

Text is every token joined by single spaces, sentences too, so offsets are exact by
construction. Whitespace-only tokens (no-break spaces inside '14 km') are left out. Spans are
all mentions of every entity. Where mentions overlap (about 1 document in 20: 'Philip V of
Spain' holds 'Spain', 'the United States Navy' holds 'United States Navy') the longer one is
kept, since one token takes one label. Documents are cut with `chunk_document`.
"""
from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

from ...data import Example
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_FILES = {"train": "dev_revised.json", "dev": "test_revised.json"}
LABELS = frozenset({"PER", "ORG", "LOC", "TIME", "NUM", "MISC"})


def _doc_text(sents: Any, where: str) -> tuple[str, list[list[tuple[int, int] | None]]]:
    """Text and, per sentence and token, its (start, end) or None for a whitespace token."""
    if not isinstance(sents, list) or not all(isinstance(s, list) for s in sents):
        raise DataError(f"{where}: 'sents' must be a list of token lists")
    words: list[str] = []
    offsets: list[list[tuple[int, int] | None]] = []
    pos = 0
    for sent in sents:
        row: list[tuple[int, int] | None] = []
        for tok in sent:
            if not isinstance(tok, str):
                raise DataError(f"{where}: tokens must be strings")
            if not tok.strip():
                row.append(None)
                continue
            row.append((pos, pos + len(tok)))
            words.append(tok)
            pos += len(tok) + 1
        offsets.append(row)
    return " ".join(words), offsets


def _mention_span(m: Any, offsets: list, where: str) -> tuple[int, int, str] | None:
    try:
        sid, (a, b), typ = m["sent_id"], m["pos"], m["type"]
    except (KeyError, TypeError, ValueError):
        raise DataError(f"{where}: a mention needs sent_id, pos [a, b] and type") from None
    if not (isinstance(sid, int) and 0 <= sid < len(offsets) and isinstance(a, int) and isinstance(b, int)
            and 0 <= a < b <= len(offsets[sid])):
        raise DataError(f"{where}: mention position outside its sentence")
    if typ not in LABELS:
        raise DataError(f"{where}: unknown entity type {typ!r}")
    toks = [o for o in offsets[sid][a:b] if o is not None]
    if not toks:
        return None
    return toks[0][0], toks[-1][1], typ


def flat_spans(spans: set[tuple[int, int, str]], dropped: Counter) -> list[tuple[int, int, str]]:
    """Non-overlapping spans, longest first among those that overlap."""
    kept: list[tuple[int, int, str]] = []
    taken = bytearray(max((e for _, e, _ in spans), default=0))
    for s, e, lab in sorted(spans, key=lambda t: (-(t[1] - t[0]), t[0], t[2])):
        if any(taken[s:e]):
            dropped["overlapping mention"] += 1
            continue
        taken[s:e] = b"\x01" * (e - s)
        kept.append((s, e, lab))
    return sorted(kept)


def documents(folder: Path, split: str) -> Iterator[tuple[dict, str, list, str]]:
    """(document, text, token offsets, where) per Re-DocRED document of a split; `where` names it in errors."""
    if split not in _FILES:
        raise DataError(f"re_docred: unknown split {split!r}")
    path = folder / _FILES[split]
    try:
        docs = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}:{exc.lineno}: invalid JSON") from None
    if not isinstance(docs, list):
        raise DataError(f"{path}: expected a JSON list of documents")
    for k, doc in enumerate(docs):
        where = f"{path}: document {k}"
        if not isinstance(doc, dict) or not isinstance(doc.get("vertexSet"), list):
            raise DataError(f"{where}: expected an object with 'sents' and 'vertexSet'")
        if not all(isinstance(entity, list) for entity in doc["vertexSet"]):
            raise DataError(f"{where}: each vertexSet entry must be a list of mentions")
        text, offsets = _doc_text(doc.get("sents"), where)
        yield doc, text, offsets, where


def entity_spans(entity: list, offsets: list, where: str, dropped: Counter) -> list[tuple[int, int, str]]:
    """The (start, end, type) of each mention of one vertexSet entity."""
    spans = []
    for m in entity:
        span = _mention_span(m, offsets, where)
        if span is None:
            dropped["whitespace-only mention"] += 1
        else:
            spans.append(span)
    return spans


def chunks(doc: dict, text: str, spans: set[tuple[int, int, str]], dropped: Counter) -> Iterator[Example]:
    title = str(doc.get("title", ""))
    yield from chunk_document(text, flat_spans(spans, dropped), meta={"doc_id": title, "title": title})


def _read(folder: Path, split: str) -> Iterator[Example]:
    dropped: Counter[str] = Counter()
    for doc, text, offsets, where in documents(folder, split):
        spans = {sp for entity in doc["vertexSet"] for sp in entity_spans(entity, offsets, where, dropped)}
        yield from chunks(doc, text, spans, dropped)
    if dropped:
        log.info("re_docred %s: dropped %s", split, dict(sorted(dropped.items())))


register(Corpus(
    "re_docred", "re_docred", _read, splits=("train", "dev"),
    licence="annotations MIT (Re-DocRED repository); Wikipedia text CC BY-SA",
    citation="Tan, Xu, Bing, Ng and Aljunied, 2022, Revisiting DocRED - Addressing the False Negative Problem "
             "in Relation Extraction, EMNLP; Yao et al., 2019, DocRED, ACL",
))
