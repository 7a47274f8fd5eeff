"""MTL-Bioinformatics-2016 (Crichton et al., 2017): 13 biomedical NER corpora, one registered corpus each.

Every sub-corpus annotates only its own few types (BC5CDR tags chemicals and diseases but not
genes; BC2GM tags genes but not chemicals), so each is a corpus of its own, `bio_<name>`, with
its own definitions file, and a whole one can be held out for zero-shot measurement.

Files are `data/<sub>/{train,devel,test}.tsv`, `token<TAB>IOB2`, one sentence per block. train
is `train`, devel is `dev`, test is never read. JNLPBA has no train file in the snapshot: its
devel file (200 abstracts, `-DOCSTART-` between them) is split by abstract, ~10% to `dev` by a
stable hash of the abstract's first sentence. No sub-corpus is non-commercial; licences are in
`LICENSES_PER_DATASET.md`.

Text is the tokens joined by spaces (the corpora come pre-tokenised: `IL - 2`). Section headings
repeat across splits ('Abstract', 'Results'), so a dev sentence that also occurs in train is
dropped; so are entity-free lines under 20 characters (headings, list numbers). Sentences over
`MAX_CHARS` are cut with `chunk_document` so they fit the training token budget.
"""
from __future__ import annotations

import hashlib
import logging
from collections import Counter
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator

from ...data import Example, read_conll
from ...errors import DataError
from . import Corpus, register
from ._chunk import chunk_document

log = logging.getLogger(__name__)

MAX_CHARS = 500  # pre-tokenised biomedical text runs ~3 characters per backbone token
MIN_UNANNOTATED_CHARS = 20
_MTL = "Crichton, Pyysalo, Chiu and Korhonen, 2017, A neural network multi-task learning approach to " \
       "biomedical named entity recognition (MTL-Bioinformatics-2016 redistribution)"

# corpus suffix -> (folder under data/, licence, citation of the original corpus)
SUBCORPORA: dict[str, tuple[str, str, str]] = {
    "bc2gm": ("BC2GM-IOB", "NCBI public domain notice (GENETAG)",
              "Smith et al., 2008, Overview of BioCreative II gene mention recognition"),
    "bc5cdr": ("BC5CDR-IOB", "Public Domain Mark 1.0",
               "Li et al., 2016, BioCreative V CDR task corpus: a resource for chemical disease relation extraction"),
    "bionlp09": ("BioNLP09-IOB", "GENIA Project License (CC BY 3.0)",
                 "Kim et al., 2009, Overview of BioNLP'09 shared task on event extraction"),
    "bionlp11epi": ("BioNLP11EPI-IOB", "GENIA Project License (CC BY 3.0)",
                    "Ohta, Pyysalo and Tsujii, 2011, Overview of the Epigenetics and Post-translational "
                    "Modifications (EPI) task of BioNLP Shared Task 2011"),
    "bionlp11id": ("BioNLP11ID-IOB", "GENIA Project License (CC BY 3.0)",
                   "Pyysalo et al., 2011, Overview of the Infectious Diseases (ID) task of BioNLP Shared Task 2011"),
    "bionlp13cg": ("BioNLP13CG-IOB", "CC BY-SA 3.0",
                   "Pyysalo, Ohta and Ananiadou, 2013, Overview of the Cancer Genetics (CG) task of BioNLP "
                   "Shared Task 2013"),
    "bionlp13ge": ("BioNLP13GE-IOB", "GENIA Project License (CC BY 3.0)",
                   "Kim, Wang and Yasunori, 2013, The Genia Event Extraction Shared Task, 2013 Edition"),
    "bionlp13pc": ("BioNLP13PC-IOB", "CC BY-SA 3.0",
                   "Ohta et al., 2013, Overview of the Pathway Curation (PC) task of BioNLP Shared Task 2013"),
    "craft": ("CRAFT-IOB", "CC BY 3.0 US",
              "Bada et al., 2012, Concept annotation in the CRAFT corpus"),
    "ex_ptm": ("Ex-PTM-IOB", "GENIA Project License (CC BY 3.0)",
               "Pyysalo, Ohta, Miwa and Tsujii, 2011, Towards exhaustive protein modification event extraction"),
    "jnlpba": ("JNLPBA", "GENIA Project License (CC BY 3.0)",
               "Kim et al., 2004, Introduction to the bio-entity recognition task at JNLPBA"),
    "ncbi_disease": ("NCBI-disease-IOB", "CC0 1.0",
                     "Dogan, Leaman and Lu, 2014, NCBI disease corpus: a resource for disease name recognition"),
    "linnaeus": ("linnaeus-IOB", "CC BY 4.0",
                 "Gerner, Nenadic and Bergman, 2010, LINNAEUS: a species name identification system"),
}
# Sub-corpora whose snapshot lacks train.tsv: train and dev both come from devel.tsv, by document.
_DEVEL_ONLY = {"jnlpba"}


def is_dev_document(first_sentence: str) -> bool:
    """~10% of documents, by content, so the choice survives reordering of the file."""
    return int(hashlib.md5(first_sentence.encode("utf-8")).hexdigest(), 16) % 10 == 0


def _document_index(path: Path) -> list[int]:
    """Document number of each sentence, in the order `read_conll` yields them.

    Mirrors read_conll's blocking: a sentence is a run of non-blank lines; `-DOCSTART-` lines
    are skipped and, outside a sentence, start a new document.
    """
    out: list[int] = []
    doc, open_sentence = 0, False
    try:
        fh = open(path, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    with fh:
        for line in fh:
            if not line.strip():
                open_sentence = False
            elif line.startswith("-DOCSTART-"):
                if not open_sentence:
                    doc += 1
            elif not open_sentence:
                open_sentence = True
                out.append(doc)
    return out


def _sentences(path: Path, sub: str) -> Iterator[Example]:
    if not path.is_file():
        raise DataError(f"{path}: file not found")
    docs = _document_index(path) if sub in _DEVEL_ONLY else None
    count = 0
    for count, ex in enumerate(read_conll(path, scheme="bio"), 1):
        ex.meta = {"subcorpus": SUBCORPORA[sub][0], "file": path.name, "sentence": count - 1}
        if docs is not None:
            if count > len(docs):
                raise DataError(f"{path}: document markers out of step with sentences")
            ex.meta["doc_id"] = f"{path.stem}-doc{docs[count - 1]:04d}"
        yield ex
    if docs is not None and count != len(docs):
        raise DataError(f"{path}: document markers out of step with sentences")


def _split_by_document(exs: list[Example], split: str) -> list[Example]:
    first: dict[str, str] = {}
    for ex in exs:
        first.setdefault(ex.meta["doc_id"], ex.text)
    want_dev = split == "dev"
    return [ex for ex in exs if is_dev_document(first[ex.meta["doc_id"]]) == want_dev]


def _split_examples(folder: Path, sub: str, split: str) -> tuple[Iterable[Example], Iterable[Example]]:
    """(examples of `split`, train examples a dev sentence must not repeat)."""
    base = folder / "data" / SUBCORPORA[sub][0]
    if sub in _DEVEL_ONLY:
        devel = list(_sentences(base / "devel.tsv", sub))
        if split == "train":
            return _split_by_document(devel, "train"), ()
        return _split_by_document(devel, "dev"), _split_by_document(devel, "train")
    if split == "train":
        return _sentences(base / "train.tsv", sub), ()
    return _sentences(base / "devel.tsv", sub), _sentences(base / "train.tsv", sub)


def read_subcorpus(sub: str, folder: Path, split: str) -> Iterator[Example]:
    if split not in ("train", "dev"):
        raise DataError(f"bio_{sub}: unknown split {split!r}")
    exs, train_for_dedup = _split_examples(folder, sub, split)
    seen = {ex.text for ex in train_for_dedup}
    dropped: Counter[str] = Counter()
    for ex in exs:
        if ex.text in seen:
            dropped["also in train"] += 1
        elif not ex.spans and len(ex.text) < MIN_UNANNOTATED_CHARS:
            dropped["short line without entities"] += 1
        elif len(ex.text) > MAX_CHARS:
            yield from chunk_document(ex.text, ex.spans, max_chars=MAX_CHARS, meta=ex.meta)
        else:
            yield ex
    if dropped:
        log.info("bio_%s %s: dropped %s", sub, split, ", ".join(f"{n} {why}" for why, n in sorted(dropped.items())))


for _sub, (_folder, _licence, _citation) in SUBCORPORA.items():
    register(Corpus(f"bio_{_sub}", "mtl_bio", partial(read_subcorpus, _sub), splits=("train", "dev"),
                    licence=f"{_licence}; texts PubMed abstracts / PMC-OA articles",
                    citation=f"{_citation}; {_MTL}"))
