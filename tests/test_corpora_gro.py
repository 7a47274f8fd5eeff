"""The BioNLP-ST 2013 GRO reader: real folder (skipped when absent), folding/dropping, errors."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from jpt_redact.errors import DataError
from jpt_redact.train.corpora import CORPORA, data_root, load_corpus
from jpt_redact.train.corpora.gro import FOLD, KEPT
from jpt_redact.train.label_defs import load_corpus_definitions

RAW = data_root() / "bionlp13_gro" / "original-data"
needs_data = pytest.mark.skipif(not RAW.is_dir(), reason="GRO corpus not present")


@pytest.fixture(scope="module")
def splits():
    return {split: load_corpus("gro", split) for split in ("train", "dev")}


def _gold(folder: Path) -> dict[str, set[tuple[int, int, str]]]:
    """doc id -> (start, end, label) as the reader should emit them, parsed independently."""
    out: dict[str, set[tuple[int, int, str]]] = defaultdict(set)
    for txt in folder.glob("*.txt"):
        text = txt.read_text(encoding="utf-8")
        for suffix in (".a1", ".a2"):
            for line in txt.with_suffix(suffix).read_text(encoding="utf-8").splitlines():
                if not line.startswith("T"):
                    continue
                _, head, surface = line.split("\t")[:3]
                raw, ranges = head.split(" ", 1)
                frags = [tuple(int(x) for x in f.split()) for f in ranges.split(";")]
                if len(frags) == 1:  # the surface column is exact for continuous mentions
                    assert text[frags[0][0]:frags[0][1]] == surface, (txt.name, line)
                label = FOLD.get(raw, raw)
                if label in KEPT:
                    out[txt.stem].update((s, e, label) for s, e in frags)
    return out


@needs_data
@pytest.mark.parametrize("split,folder,n_docs", [("train", "train", 150), ("dev", "devel", 50)])
def test_offsets_match_the_brat_files(splits, split, folder, n_docs):
    examples = splits[split]
    texts = {txt.stem: txt.read_text(encoding="utf-8") for txt in (RAW / folder).glob("*.txt")}
    assert {ex.meta["doc_id"] for ex in examples} == set(texts) and len(texts) == n_docs
    got: dict[str, set[tuple[int, int, str]]] = defaultdict(set)
    for ex in examples:
        assert ex.source == "gro" and ex.meta["folder"] == folder
        assert len(ex.text) <= 700 and ex.spans
        doc = texts[ex.meta["doc_id"]]
        base = doc.find(ex.text)
        assert base >= 0 and doc.find(ex.text, base + 1) < 0  # chunk text is a unique piece of its document
        for s, e, label in ex.spans:
            assert 0 <= s < e <= len(ex.text) and ex.text[s:e].strip() == ex.text[s:e]
            got[ex.meta["doc_id"]].add((s + base, e + base, label))
    assert got == _gold(RAW / folder)  # chunking lost no span and shifted none


@needs_data
def test_splits_are_disjoint_and_test_sample_unread(splits):
    train_docs = {ex.meta["doc_id"] for ex in splits["train"]}
    dev_docs = {ex.meta["doc_id"] for ex in splits["dev"]}
    assert train_docs and dev_docs and not train_docs & dev_docs
    assert not {ex.text for ex in splits["train"]} & {ex.text for ex in splits["dev"]}
    held_out = {p.stem for p in (RAW / "test").glob("*.txt")} | {p.stem for p in (RAW / "sample").glob("*.txt")}
    assert not (train_docs | dev_docs) & held_out


@needs_data
def test_every_emitted_label_has_a_definition(splits):
    defs = load_corpus_definitions()["gro"].labels
    emitted = {lab for examples in splits.values() for ex in examples for lab in ex.labels()}
    assert emitted <= set(defs)
    assert {lab for ex in splits["train"] for lab in ex.labels()} == KEPT  # every kept class occurs in train


def test_definitions_cover_exactly_the_kept_classes():
    cd = load_corpus_definitions()["gro"]
    assert set(cd.labels) == KEPT
    assert CORPORA["gro"].splits == ("train", "dev")
    assert set(FOLD.values()) <= KEPT and not set(FOLD) & KEPT
    by_canonical = defaultdict(set)
    for ld in cd.labels.values():
        assert len(ld.definitions) == 3
        by_canonical[ld.label].add((ld.definitions, ld.kind))
    # raw classes merged into one canonical label must not drift apart
    assert {lab: len(v) for lab, v in by_canonical.items() if len(v) > 1} == {}
    assert len(by_canonical) >= 130


def _write_doc(root: Path, folder: str, name: str, text: str, a1: str, a2: str | None = None) -> None:
    d = root / "original-data" / folder
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.txt").write_text(text, encoding="utf-8")
    (d / f"{name}.a1").write_text(a1, encoding="utf-8")
    if a2 is not None:
        (d / f"{name}.a2").write_text(a2, encoding="utf-8")


def test_reader_folds_rare_subclasses_and_drops_the_rest(tmp_path):
    text = "The bZIP factor Nrf3 binds chromatin in HeLa cells and is expressed in liver."
    pos = {w: text.index(w) for w in ("Nrf3", "chromatin", "HeLa cells", "expressed", "liver")}
    a1 = "".join(f"T{i}\t{lab} {pos[w]} {pos[w] + len(w)}\t{w}\n" for i, (lab, w) in enumerate(
        [("bZIPTF", "Nrf3"), ("Chromatin", "chromatin"), ("EukaryoticCell", "HeLa cells"), ("Tissue", "liver")], 1))
    a2 = f"T9\tGeneExpression {pos['expressed']} {pos['expressed'] + 9}\texpressed\nE1\tGeneExpression:T9 Theme:T1\n"
    _write_doc(tmp_path, "train", "PMID-1", text, a1, a2)
    (ex,) = CORPORA["gro"].read(tmp_path, "train")
    assert [(ex.text[s:e], lab) for s, e, lab in ex.spans] == [
        ("Nrf3", "TranscriptionFactor"), ("HeLa cells", "Cell"), ("expressed", "GeneExpression"), ("liver", "Tissue")]
    assert ex.meta == {"doc_id": "PMID-1", "folder": "train"}


@pytest.mark.parametrize("a1,match", [
    ("T1\tProtein 40 90\tNrf3\n", "outside the text"),
    ("T1\tProtein x 4\tNrf3\n", "malformed offsets"),
    ("T1\tProtein\n", "malformed"),
])
def test_malformed_annotations_raise(tmp_path, a1, match):
    _write_doc(tmp_path, "devel", "PMID-2", "Nrf3 is a transcription factor.", a1)
    with pytest.raises(DataError, match=match):
        list(CORPORA["gro"].read(tmp_path, "dev"))


def test_missing_or_empty_folder_raises(tmp_path):
    with pytest.raises(DataError, match="not found"):
        list(CORPORA["gro"].read(tmp_path, "train"))
    (tmp_path / "original-data" / "train").mkdir(parents=True)
    with pytest.raises(DataError, match="no brat documents"):
        list(CORPORA["gro"].read(tmp_path, "train"))
