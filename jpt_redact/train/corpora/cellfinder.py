"""CellFinder 1.0 (Neves et al., 2012): 10 stem-cell full-text articles (PMC-OA), brat.

`original-data/cellfinder1_brat/<pmid>.{txt,ann}` holds the whole articles; the
`cellfinder1_brat_sections` copy is the same text cut by section and is not read (it would
duplicate every document). Six types: Anatomy, CellComponent, CellLine, CellType, GeneProtein,
Species. There is no official split: the document(s) ranking lowest by md5 of the id (one of
ten) form `dev`.

Three repairs. (1) The texts were extracted without separators, so headings and sentences run
into the next word ('BackgroundHuman embryonic', 'cultureThe cells', 'precursors.Methods'); a
line break (or, after a full stop, a space) is inserted there, never inside a span, and the
spans are shifted. (2) A cell line's cells are tagged inconsistently: 'K562 cells' is a CellType
holding the CellLine 'K562' in one place and a CellLine elsewhere, sometimes both on one span.
A CellType mention that contains a cell line becomes a CellLine (as in JNLPBA), and a span
with two labels keeps one by `_PRIORITY`. (3) Mentions nest ('human ES cells' CellType holds
'human' Species, 'CD34 cells' holds 'CD34'); the model takes one label per token, so only
outermost mentions are kept and the definitions say that a name inside a longer mention
belongs to it.
"""
from __future__ import annotations

import bisect
import hashlib
import logging
import re
from pathlib import Path
from typing import Iterator

from ...data import Example, SpanTuple
from ...errors import DataError
from . import Corpus, register
from ._brat import iter_brat
from ._chunk import chunk_document

log = logging.getLogger(__name__)

MAX_CHARS = 500
DEV_SHARE = 0.1
_HEADINGS = ("Background", "Introduction", "Methods", "Findings", "Results", "Discussion", "Conclusion",
             "Conclusions", "Significance", "Abstract")
# A capitalised word glued to what precedes it: a sentence end ('cells.The', 'AIDS.Results'), an all-lowercase
# word of 4+ letters ('cultureThe'), or a section heading ('BackgroundHuman'). CamelCase names
# ('NeuroStem', 'GeneChip', 'hNuc', 'canFam') start with a capital or have < 4 lowercase letters.
_GLUE = re.compile(r"(?:(?<![A-Za-z])(?P<word>[a-z]{4,})|(?<![A-Za-z])(?P<head>%s)|(?P<stop>[A-Za-z]{2}\.))"
                   r"(?=[A-Z][a-z])" % "|".join(_HEADINGS))


def repair_glue(text: str, spans: list[SpanTuple]) -> tuple[str, list[SpanTuple]]:
    """Insert separators where words were glued together; spans are shifted, never split."""
    inside = bytearray(len(text) + 1)
    for s, e, _ in spans:
        inside[s + 1:e] = b"\x01" * (e - s - 1)
    inserts: list[tuple[int, str]] = []
    for m in _GLUE.finditer(text):
        if not inside[m.end()]:
            inserts.append((m.end(), " " if m.group("stop") else "\n"))
    if not inserts:
        return text, spans
    pieces, prev = [], 0
    for pos, sep in inserts:
        pieces += [text[prev:pos], sep]
        prev = pos
    pieces.append(text[prev:])
    positions = [p for p, _ in inserts]

    def shift(offset: int, is_end: bool) -> int:
        # an insertion at a span's end offset comes after the span; at its start, before it
        return offset + (bisect.bisect_left(positions, offset) if is_end else bisect.bisect_right(positions, offset))

    return "".join(pieces), [(shift(s, False), shift(e, True), lab) for s, e, lab in spans]


def outermost(spans: list[SpanTuple], rank: dict[str, int] | None = None) -> tuple[list[SpanTuple], int]:
    """Spans not inside (or crossing) an earlier, longer one; and how many were dropped.

    Of identical spans the label ranked first in `rank` (else alphabetically first) is kept.
    """
    rank = rank or {}
    kept: list[SpanTuple] = []
    end = -1
    for s, e, lab in sorted(spans, key=lambda t: (t[0], -t[1], rank.get(t[2], len(rank)), t[2])):
        if s >= end:
            kept.append((s, e, lab))
            end = e
    return kept, len(spans) - len(kept)


# Which label a span tagged twice keeps: 'EBs' Anatomy/CellType (Anatomy in most single-label
# uses), 'Gap junction' CellComponent/GeneProtein, 'MCF-7 cell' CellLine/CellType.
_PRIORITY = {lab: i for i, lab in enumerate(("CellLine", "Anatomy", "CellComponent", "CellType", "GeneProtein",
                                              "Species"))}


def cell_line_cells(spans: list[SpanTuple]) -> list[SpanTuple]:
    """A CellType mention containing a CellLine mention ('K562 cells', 'SD56 hNSCs') is a CellLine."""
    lines = [(s, e) for s, e, lab in spans if lab == "CellLine"]
    out = []
    for s, e, lab in spans:
        if lab == "CellType" and any(s <= ls and le <= e for ls, le in lines):
            lab = "CellLine"
        out.append((s, e, lab))
    return sorted(set(out))


def dev_documents(doc_ids: list[str]) -> set[str]:
    ranked = sorted(doc_ids, key=lambda d: hashlib.md5(d.encode("utf-8")).hexdigest())
    return set(ranked[:max(1, round(DEV_SHARE * len(ranked)))])


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in ("train", "dev"):
        raise DataError(f"cellfinder: unknown split {split!r}")
    directory = folder / "original-data" / "cellfinder1_brat"
    docs = list(iter_brat(directory))
    if not docs:
        raise DataError(f"{directory}: no brat documents found")
    dev = dev_documents([d for d, _, _ in docs])
    nested = 0
    for doc_id, text, spans in docs:
        if (doc_id in dev) != (split == "dev"):
            continue
        flat, n = outermost(cell_line_cells(spans), _PRIORITY)
        nested += n
        text, flat = repair_glue(text, flat)
        yield from chunk_document(text, flat, max_chars=MAX_CHARS, meta={"doc_id": doc_id})
    log.info("cellfinder %s: dropped %d mentions nested in another", split, nested)


register(Corpus(
    "cellfinder", "cellfinder", _read, splits=("train", "dev"),
    licence="annotations CC BY-SA 3.0 (HU Berlin); texts PMC-OA articles",
    citation="Neves, Damaschun, Kurtz and Leser, 2012, Annotating and evaluating text for stem cell research, "
             "BioTxtM 2012 at LREC",
))
