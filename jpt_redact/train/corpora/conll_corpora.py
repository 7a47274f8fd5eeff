"""The first five corpora: CoNLL-style token files (tag in the last column)."""
from __future__ import annotations

from functools import partial
from pathlib import Path

from ...data import read_conll
from . import Corpus, register


def _read_files(files: dict[str, tuple[str, ...]], folder: Path, split: str):
    for name in files.get(split, ()):
        yield from read_conll(folder / name)


def _conll(name, folder, train, dev, licence, citation):
    register(Corpus(name, folder, partial(_read_files, {"train": train, "dev": dev}),
                    splits=("train", "dev") if dev else ("train",), licence=licence, citation=citation))


_conll("wnut17", "wnut17", ("wnut17train.conll",), ("emerging.dev.conll",), "CC BY 4.0",
       "Derczynski et al., 2017, WNUT17 emerging entities")
_conll("btc", "btc", ("a.conll", "b.conll", "e.conll", "f.conll", "g.conll"), ("h.conll",), "CC BY 4.0",
       "Derczynski et al., 2016, Broad Twitter Corpus")
_conll("sec", "sec-filings", ("FIN5.txt",), (), "CC BY 3.0", "Salinas Alvarado et al., 2015")
_conll("anem", "anem", ("AnEM.train",), (), "CC BY-SA", "Ohta et al., 2012, AnEM")
_conll("multiconer2", "multiconer2", ("en-train90.conll", "en-train10.conll"), ("en-dev.conll",), "CC BY 4.0",
       "Fetahu et al., 2023, MultiCoNER II")
