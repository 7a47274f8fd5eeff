"""LitBank entities (Bamman, Popat and Shen, NAACL 2019): ~2,000 words from each of 100 novels.

`entities/tsv/<id>_<title>_brat.tsv`: one token a line, blank line between sentences, then
one BIO column per nesting layer, innermost first (a layer-2 span contains a layer-1 span).
Mentions are ACE-style and include common-noun phrases ('the old man', 'the village'), not
only names; pronouns are not annotated.

The model takes one label per token, so nesting must be flattened. We keep the *outermost*
mentions (those inside no other mention): they are complete noun phrases, so the boundary rule
is one a definition can state ("the whole phrase, with its modifiers and relative clauses").
Keeping the innermost layer instead would drop maximal mentions such as a character introduced
with an apposition, whose only nested mention is a place inside it. Nested mentions are part
of the outer one and not tagged on their own (about 14% of mentions).

Text is the tokens joined by spaces (sentences too); each novel is cut with `chunk_document`.
About 10% of the novels (md5 of the file name, stable when files are added) form the dev split.
"""
from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from ...data import Example
from ...data.conll import _decode  # the package's lenient BIO decoder
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_TAG = re.compile(r"O|[BI]-[A-Z]+")


def is_dev(file_name: str) -> bool:
    return int(hashlib.md5(file_name.encode("utf-8")).hexdigest(), 16) % 10 == 0


def _read_tsv(path: Path) -> tuple[list[list[str]], list[list[list[str]]]]:
    """Sentences of tokens and, per sentence, the tag columns (one list of tags per layer)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    sents: list[list[str]] = []
    layers: list[list[list[str]]] = []
    toks: list[str] = []
    cols: list[list[str]] = []
    for lineno, line in enumerate(lines + [""], 1):
        if not line.strip():
            if toks:
                sents.append(toks)
                layers.append([list(c) for c in zip(*cols)])
            toks, cols = [], []
            continue
        parts = line.split("\t")
        tags = [t for t in parts[1:] if t != ""]  # lines end with a tab; files have 4 or 5 layers
        if not parts[0].strip() or not tags or not all(_TAG.fullmatch(t) for t in tags):
            raise DataError(f"{path}:{lineno}: expected token<TAB>tag columns")
        if cols and len(tags) != len(cols[0]):
            raise DataError(f"{path}:{lineno}: {len(tags)} tag columns, the sentence has {len(cols[0])}")
        toks.append(parts[0].strip())
        cols.append(tags)
    return sents, layers


def _outermost(spans: list[tuple[int, int, str]], dropped: Counter) -> list[tuple[int, int, str]]:
    """Spans contained in no other span; of two identical or crossing ones keep the longer/first."""
    spans = sorted(set(spans), key=lambda t: (t[0], -(t[1] - t[0]), t[2]))
    out: list[tuple[int, int, str]] = []
    for s, e, lab in spans:
        if out and s < out[-1][1]:  # starts inside the previous kept span: nested or crossing
            if e > out[-1][1] or (s, e) == out[-1][:2]:
                dropped["crossing or duplicate-extent mention"] += 1
            else:
                dropped["nested mention (inside an outer one)"] += 1
            continue
        out.append((s, e, lab))
    return out


def _document(path: Path, dropped: Counter) -> tuple[str, list[tuple[int, int, str]]]:
    sents, layers = _read_tsv(path)
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    for toks, cols in zip(sents, layers):
        offs = []
        for tok in toks:
            offs.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        text_parts.append(" ".join(toks))
        found = [(i, j, typ) for col in cols for i, j, typ in _decode(col, "bio")]
        spans += [(offs[i][0], offs[j - 1][1], typ) for i, j, typ in _outermost(found, dropped)]
    return " ".join(text_parts), spans


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in ("train", "dev"):
        raise DataError(f"litbank: unknown split {split!r}")
    directory = folder / "entities" / "tsv"
    files = sorted(directory.glob("*.tsv"))
    if not files:
        raise DataError(f"{directory}: no LitBank .tsv files found")
    dropped: Counter[str] = Counter()
    for path in files:
        if is_dev(path.name) != (split == "dev"):
            continue
        text, spans = _document(path, dropped)
        doc_id = path.name.removesuffix("_brat.tsv")
        gutenberg_id = doc_id.split("_", 1)[0]
        yield from chunk_document(text, spans, meta={"doc_id": doc_id, "gutenberg_id": gutenberg_id})
    if dropped:
        log.info("litbank %s: not kept %s", split, dict(sorted(dropped.items())))


register(Corpus(
    "litbank", "litbank", _read, splits=("train", "dev"),
    licence="CC BY 4.0 (LitBank annotations); novel texts from Project Gutenberg, public domain",
    citation="Bamman, Popat and Shen, 2019, An Annotated Dataset of Literary Entities, NAACL",
))
