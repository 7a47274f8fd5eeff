"""AnatEM (Pyysalo and Ananiadou, 2014): anatomical entity mentions in PubMed abstracts and PMC extracts.

`original-data/conll/{train,devel}/<doc>.conll`, one document a file (`PMID-...` abstracts,
`PMC-...-sec-NN` / `-caption-NN` full-text extracts), `token<TAB>IOB2`. train is `train`,
devel is `dev`; the test split is not in the snapshot (it holds the AnEM test documents).
AnatEM extends the AnEM guidelines to 12 types: AnEM's 11 plus Cancer, which takes the
cancers and tumours that AnEM counts as Pathological_formation.

Many AnatEM documents are also in the `anem` corpus (AnEM.train): same text, nearly the same
labels. Each document is rebuilt from its sentences (a space after a sentence that ends in
punctuation, a line break after a title or caption line) and cut with `chunk_document`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...data import Example, SpanTuple, read_conll
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

MAX_CHARS = 500  # pre-tokenised text: ~3 characters per backbone token
_FOLDERS = {"train": "train", "dev": "devel"}


def join_sentences(sentences: list[Example], sep_after_punct: str = " ",
                   sep_otherwise: str = "\n") -> tuple[str, list[SpanTuple]]:
    """One text from sentence examples, their spans shifted to it."""
    parts: list[str] = []
    spans: list[SpanTuple] = []
    pos = 0
    for i, ex in enumerate(sentences):
        if i:
            sep = sep_after_punct if parts[-1][-1:] in ".!?" else sep_otherwise
            parts.append(sep)
            pos += len(sep)
        parts.append(ex.text)
        spans += [(s + pos, e + pos, lab) for s, e, lab in ex.spans]
        pos += len(ex.text)
    return "".join(parts), spans


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FOLDERS:
        raise DataError(f"anatem: unknown split {split!r}")
    directory = folder / "original-data" / "conll" / _FOLDERS[split]
    files = sorted(directory.glob("*.conll"))
    if not files:
        raise DataError(f"{directory}: no .conll documents found")
    for path in files:
        sentences = list(read_conll(path, scheme="bio"))
        if not sentences:
            continue
        text, spans = join_sentences(sentences)
        meta = {"doc_id": path.stem, "doc_type": "abstract" if path.stem.startswith("PMID-") else "full_text_extract"}
        yield from chunk_document(text, spans, max_chars=MAX_CHARS, meta=meta)


register(Corpus(
    "anatem", "anatem", _read, splits=("train", "dev"),
    licence="annotations CC BY-SA 3.0 (NaCTeM); texts PubMed abstracts / PMC-OA extracts",
    citation="Pyysalo and Ananiadou, 2014, Anatomical entity mention recognition at literature scale, "
             "Bioinformatics 30(6)",
))
