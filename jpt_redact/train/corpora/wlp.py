"""Wet Lab Protocols, WNUT-2020 Task 1 release (Tabassum et al., 2020; Kulkarni et al., 2018).

`data/{train_data,dev_data}/Conll_Format/protocol_<n>_conll.txt`, one protocol a file, one
step (sentence) a block, `token<TAB>IOB2` with 18 types: actions, reagents, devices, places,
amounts, concentrations, times, temperatures, speeds, ... train_data is `train`, dev_data is
`dev`; test_data and test_data_2020 (the official test sets) are never read.

Each protocol is rebuilt with one step a line (the first line is its title) and cut with
`chunk_document`. Note: the release lost non-ASCII characters, so '100 µl' reads '100 l' and
'37 °C' reads '37 C'; the definitions say so.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ...data import Example, read_conll
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document
from .anatem import join_sentences

MAX_CHARS = 400  # protocol text is dense in numbers and units: ~2.7 characters per backbone token
_FOLDERS = {"train": "train_data", "dev": "dev_data"}


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _FOLDERS:
        raise DataError(f"wlp: unknown split {split!r}")
    directory = folder / "data" / _FOLDERS[split] / "Conll_Format"
    files = sorted(directory.glob("protocol_*_conll.txt"))
    if not files:
        raise DataError(f"{directory}: no protocol files found")
    for path in files:
        steps = list(read_conll(path, scheme="bio"))
        if not steps:
            continue
        text, spans = join_sentences(steps, sep_after_punct="\n")
        meta = {"doc_id": path.stem.removesuffix("_conll")}
        yield from chunk_document(text, spans, max_chars=MAX_CHARS, meta=meta)


register(Corpus(
    "wlp", "wlp_wnut2020", _read, splits=("train", "dev"),
    licence="MIT (annotations, WNUT_2020_NER repository); protocol texts from protocols.io, CC BY 4.0",
    citation="Tabassum, Lee, Xu and Ritter, 2020, WNUT-2020 Task 1 overview: extracting entities and relations "
             "from wet lab protocols; Kulkarni, Xu, Ritter and Machiraju, 2018, An annotated corpus for machine "
             "reading of instructions in wet lab protocols",
))
