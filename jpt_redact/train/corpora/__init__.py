"""Training corpora on disk (`shared/data/ner-train/`): one module per corpus or format family.

Each module registers `Corpus` entries at import; this package imports every module in it,
so adding a corpus is adding a module (and its `train/definitions/<name>.yaml`). Readers
yield `Example`s whose spans carry the corpus's *raw* labels; `train/label_defs.py` maps
them to canonical labels and definitions.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from ...data import Example
from ...errors import DataError

DEFAULT_DATA_ROOT = "/work/shared/data/ner-train"


@dataclass(frozen=True)
class Corpus:
    name: str  # the key in training configs and in definitions/<name>.yaml (`corpus:`)
    folder: str  # folder under the data root
    read: Callable[[Path, str], Iterable[Example]]  # (corpus folder, split) -> examples, raw labels
    splits: tuple[str, ...] = ("train", "dev")
    licence: str = ""
    citation: str = ""
    language: str = "en"


CORPORA: dict[str, Corpus] = {}


def register(corpus: Corpus) -> Corpus:
    if corpus.name in CORPORA:
        raise DataError(f"corpus {corpus.name!r} registered twice")
    CORPORA[corpus.name] = corpus
    return corpus


def data_root(root: str | os.PathLike | None = None) -> Path:
    return Path(root or os.environ.get("JPT_REDACT_DATA") or DEFAULT_DATA_ROOT)


def load_corpus(name: str, split: str = "train", root: str | os.PathLike | None = None) -> list[Example]:
    """Read a known corpus split as Examples whose `source` is the corpus name.

    `root` defaults to $JPT_REDACT_DATA or /work/shared/data/ner-train. A split the corpus
    does not have returns [] (hold some training data out yourself if needed).
    """
    if name not in CORPORA:
        raise DataError(f"unknown corpus {name!r} (known: {', '.join(sorted(CORPORA))})")
    if split not in ("train", "dev"):
        raise DataError(f"unknown split {split!r} (use train or dev)")
    corpus = CORPORA[name]
    if split not in corpus.splits:
        return []
    out = []
    for ex in corpus.read(data_root(root) / corpus.folder, split):
        ex.source = name
        out.append(ex)
    return out


def _discover() -> None:
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")


_discover()
