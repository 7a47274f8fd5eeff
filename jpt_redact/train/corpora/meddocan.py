"""MEDDOCAN (Marimon et al., IberLEF 2019): 1,000 Spanish clinical case reports with PHI, brat.

Folders `corpus/train/brat` (500 documents) and `corpus/dev/brat` (250) are our train and dev
splits; `corpus/test` is the shared task's test set and is never read. The reports are real
published cases (SciELO) into which synthetic personal data were written: a header with the
patient's name, record numbers, address and admission data, then the narrative. The text is
Spanish (`language="es"`); the definitions stay in English, as the model reads them.

Labels not kept, with why:
- PROFESION (28 mentions): most occupations in the narratives are left untagged (e.g. a retired
  miner), so a definition would teach the model to miss them.
- OTROS_SUJETO_ASISTENCIA (15): a grab-bag of race, marital status, syndromes and objects.
- ID_EMPLEO_PERSONAL_SANITARIO (1, dev only, a job title rather than an ID).
Identifier mentions with no digit at all (67: 'casada', 'Lactante', 'boliviano' filed as a
patient ID, i.e. descriptions of the patient) are annotation slips and are dropped.
Documents are cut with `chunk_document`.
"""
from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Iterator

from ...data import Example
from ...errors import DataError
from . import Corpus, register
from ._brat import iter_brat
from ._chunk import chunk_document

log = logging.getLogger(__name__)

_SPLITS = ("train", "dev")
DROP_LABELS = frozenset({"PROFESION", "OTROS_SUJETO_ASISTENCIA", "ID_EMPLEO_PERSONAL_SANITARIO"})
_ID_LABELS = frozenset({"ID_SUJETO_ASISTENCIA", "ID_ASEGURAMIENTO", "ID_TITULACION_PERSONAL_SANITARIO",
                        "ID_CONTACTO_ASISTENCIAL", "NUMERO_TELEFONO", "NUMERO_FAX"})


def _read(folder: Path, split: str) -> Iterator[Example]:
    if split not in _SPLITS:
        raise DataError(f"meddocan: unknown split {split!r}")
    directory = folder / "corpus" / split / "brat"
    if not directory.is_dir():
        raise DataError(f"{directory}: folder not found")
    dropped: Counter[str] = Counter()
    n_docs = 0
    for doc_id, text, spans in iter_brat(directory):
        n_docs += 1
        kept = []
        for s, e, lab in spans:
            if lab in DROP_LABELS:
                dropped[f"label {lab}"] += 1
            elif lab in _ID_LABELS and not any(c.isdigit() for c in text[s:e]):
                dropped["identifier without digits"] += 1
            else:
                kept.append((s, e, lab))
        yield from chunk_document(text, kept, meta={"doc_id": doc_id, "language": "es"})
    if n_docs == 0:
        raise DataError(f"{directory}: no brat documents found")
    if dropped:
        log.info("meddocan %s: dropped %s", split, dict(sorted(dropped.items())))


register(Corpus(
    "meddocan", "meddocan", _read, splits=_SPLITS, language="es",
    licence="CC BY 4.0 (SPACCC_MEDDOCAN, (c) 2019 SEAD, Plan TL)",
    citation="Marimon et al., 2019, Automatic De-identification of Medical Texts in Spanish: the MEDDOCAN Track, "
             "Corpus, Guidelines, Methods and Evaluation of Results, IberLEF",
))
