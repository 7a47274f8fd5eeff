"""Biomedical and lab corpora: the mtl_bio sub-corpora, AnatEM, CellFinder, WLP and NeuroTrialNER."""
from __future__ import annotations

import json
import re
from itertools import islice
from pathlib import Path

import pytest

from jpt_redact.errors import DataError
from jpt_redact.train.corpora import CORPORA, data_root, load_corpus
from jpt_redact.train.corpora import anatem, cellfinder, mtl_bio, neurotrialner, wlp
from jpt_redact.train.label_defs import load_corpus_definitions

ROOT = Path("/work/shared/data/ner-train")
BIO = [f"bio_{sub}" for sub in mtl_bio.SUBCORPORA]
MINE = BIO + ["anatem", "cellfinder", "wlp", "neurotrialner"]
# Read whole (both splits) in the real-data tests; the larger mtl_bio corpora are sampled.
WHOLE = ["anatem", "cellfinder", "wlp", "neurotrialner", "bio_ex_ptm", "bio_jnlpba"]
DOCUMENT_CORPORA = {"anatem", "cellfinder", "wlp", "neurotrialner", "bio_jnlpba"}


def _need_data():
    if not ROOT.is_dir() or data_root() != ROOT:
        pytest.skip("training corpora not on this machine")


_CACHE: dict[tuple[str, str], list] = {}


def _load(name: str, split: str):
    if (name, split) not in _CACHE:
        _CACHE[(name, split)] = load_corpus(name, split)
    return _CACHE[(name, split)]


def _check_spans(ex, labels):
    for s, e, lab in ex.spans:
        assert 0 <= s < e <= len(ex.text)
        surface = ex.text[s:e]
        assert surface.strip() == surface and surface, (ex.meta, s, e)
        assert lab in labels, lab


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
    return root


# ---- registration and definitions (no data needed) ----

@pytest.mark.parametrize("name", MINE)
def test_registered_with_definitions(name):
    defs = load_corpus_definitions()
    corpus = CORPORA[name]
    assert corpus.splits == ("train", "dev")
    assert corpus.licence and corpus.citation
    assert not re.search(r"\bNC\b|non-commercial", corpus.licence, re.I)
    cd = defs[name]
    assert cd.description and cd.labels
    for raw, ld in cd.labels.items():
        # a corpus annotates its own kinds only partly across corpora: never sample them as negatives
        assert ld.kind in cd.exclude_negative_kinds, (raw, ld.kind)
        assert len(ld.definitions) == 3 and len(set(ld.definitions)) == 3, raw


def test_shared_concepts_share_canonical_labels():
    defs = load_corpus_definitions()
    canon = {c: {ld.label for ld in defs[c].labels.values()} for c in MINE}
    gene = [c for c in MINE if "GENE_OR_GENE_PRODUCT" in canon[c]]
    assert set(gene) >= {"bio_bc2gm", "bio_bionlp09", "bio_bionlp13cg", "bio_craft", "cellfinder"}
    assert {"CELL_TYPE", "CELL_LINE"} <= canon["bio_jnlpba"] & canon["cellfinder"]
    assert "CHEMICAL" in canon["bio_bc5cdr"] & canon["bio_bionlp13pc"]
    assert "CANCER" in canon["anatem"] & canon["bio_bionlp13cg"]
    assert set(defs["anem"].labels[r].label for r in defs["anem"].labels) <= canon["anatem"]


# ---- real data ----

def test_mtl_tags_match_definitions():
    _need_data()
    defs = load_corpus_definitions()
    tag = re.compile(r"\t[BI]-([^\n\t]+)")
    for sub, (folder, _, _) in mtl_bio.SUBCORPORA.items():
        seen: set[str] = set()
        for name in ("train.tsv", "devel.tsv"):
            path = ROOT / "mtl_bio" / "data" / folder / name
            if path.is_file():
                seen |= set(tag.findall(path.read_text(encoding="utf-8")))
        assert seen == set(defs[f"bio_{sub}"].labels), sub


@pytest.mark.parametrize("name", WHOLE)
def test_whole_corpus_loads_with_exact_offsets(name):
    _need_data()
    labels = set(load_corpus_definitions()[name].labels)
    train, dev = _load(name, "train"), _load(name, "dev")
    assert train and dev
    for ex in train + dev:
        assert ex.source == name and ex.text.strip() == ex.text
        _check_spans(ex, labels)
    assert {lab for ex in train for *_, lab in ex.spans} == labels
    if name in DOCUMENT_CORPORA:
        assert not {ex.meta["doc_id"] for ex in train} & {ex.meta["doc_id"] for ex in dev}
    else:
        assert not {ex.text for ex in train} & {ex.text for ex in dev}


@pytest.mark.parametrize("name", [n for n in BIO if n not in WHOLE])
def test_large_mtl_corpora_sample(name):
    _need_data()
    labels = set(load_corpus_definitions()[name].labels)
    sub = name.removeprefix("bio_")
    sample = list(islice(mtl_bio.read_subcorpus(sub, ROOT / "mtl_bio", "train"), 400))
    assert len(sample) == 400 and any(ex.spans for ex in sample)
    for ex in sample:
        _check_spans(ex, labels)
        assert ex.meta["subcorpus"] == mtl_bio.SUBCORPORA[sub][0] and ex.meta["file"] == "train.tsv"


def test_neurotrialner_spans_are_the_source_entities():
    _need_data()
    items = json.loads((ROOT / "neurotrialner" / "train.json").read_text(encoding="utf-8"))
    by_doc = {it["nctid"]: {(ent["text"], ent["type"]) for ent in it["entities"]} for it in items}
    got = {}
    for ex in _load("neurotrialner", "train"):
        got.setdefault(ex.meta["doc_id"], set()).update((ex.text[s:e], lab) for s, e, lab in ex.spans)
    assert got.keys() == by_doc.keys()
    assert all(got[d] == by_doc[d] for d in by_doc)


def test_cellfinder_repairs_keep_annotated_surfaces():
    _need_data()
    directory = ROOT / "cellfinder" / "original-data" / "cellfinder1_brat"
    surfaces = {ann.stem: {line.split("\t")[2] for line in ann.read_text(encoding="utf-8").splitlines()
                           if line.startswith("T")} for ann in directory.glob("*.ann")}
    exs = _load("cellfinder", "train") + _load("cellfinder", "dev")
    assert len({ex.meta["doc_id"] for ex in _load("cellfinder", "dev")}) == 1
    for ex in exs:
        for s, e, _ in ex.spans:
            assert ex.text[s:e] in surfaces[ex.meta["doc_id"]]
    text = " ".join(ex.text for ex in exs)
    assert "BackgroundHuman" not in text and "Background\nHuman" in text


def test_jnlpba_real_split_is_by_abstract():
    _need_data()
    train, dev = _load("bio_jnlpba", "train"), _load("bio_jnlpba", "dev")
    n_train, n_dev = len({ex.meta["doc_id"] for ex in train}), len({ex.meta["doc_id"] for ex in dev})
    assert n_train + n_dev == 200 and 0.03 < n_dev / 200 < 0.2


# ---- readers on tiny inline files ----

def test_mtl_dev_drops_train_repeats_and_short_unannotated_lines(tmp_path):
    base = "data/BC2GM-IOB/"
    _write(tmp_path, {
        base + "train.tsv": "Abstract\tO\n\nThe\tO\np53\tB-GENE\ngene\tO\nis\tO\nmutated\tO\n.\tO\n\nVII\tO\n.\tO\n",
        base + "devel.tsv": "Abstract\tO\n\np53\tB-GENE\n.\tO\n\n"
                            "Levels\tO\nof\tO\nSp1\tB-GENE\nwere\tO\nlow\tO\n.\tO\n",
    })
    train = list(mtl_bio.read_subcorpus("bc2gm", tmp_path, "train"))
    dev = list(mtl_bio.read_subcorpus("bc2gm", tmp_path, "dev"))
    assert [ex.text for ex in train] == ["The p53 gene is mutated ."]  # 'Abstract' and 'VII .' are short and empty
    assert [(ex.text, [ex.text[s:e] for s, e, _ in ex.spans]) for ex in dev] == [
        ("p53 .", ["p53"]), ("Levels of Sp1 were low .", ["Sp1"])]


def test_mtl_long_sentence_is_chunked(tmp_path):
    words = ("Binding of Sp1 was reduced ; " * 40).split()
    tags = ["B-GENE" if w == "Sp1" else "O" for w in words]
    _write(tmp_path, {"data/BC2GM-IOB/train.tsv": "".join(f"{w}\t{t}\n" for w, t in zip(words, tags))})
    pieces = list(mtl_bio.read_subcorpus("bc2gm", tmp_path, "train"))
    assert len(pieces) > 1 and all(len(p.text) <= mtl_bio.MAX_CHARS for p in pieces)
    assert sum(len(p.spans) for p in pieces) == 40
    assert all(p.text[s:e] == "Sp1" for p in pieces for s, e, _ in p.spans)


def test_jnlpba_devel_is_split_by_document(tmp_path):
    docs = []
    for d in range(40):
        docs.append(f"-DOCSTART-\tO\n\nAbstract\tO\nnumber\tO\n{d}\tO\nabout\tO\nIL-2\tB-protein\n\n"
                    f"Second\tO\nsentence\tO\nof\tO\nabstract\tO\n{d}\tO\n.\tO\n\n")
    _write(tmp_path, {"data/JNLPBA/devel.tsv": "".join(docs)})
    train = list(mtl_bio.read_subcorpus("jnlpba", tmp_path, "train"))
    dev = list(mtl_bio.read_subcorpus("jnlpba", tmp_path, "dev"))
    assert len(train) + len(dev) == 80 and dev
    for part, want in ((train, False), (dev, True)):
        by_doc: dict[str, list] = {}
        for ex in part:
            by_doc.setdefault(ex.meta["doc_id"], []).append(ex.text)
        assert all(len(v) == 2 for v in by_doc.values())  # a document is never split
        assert all(mtl_bio.is_dev_document(v[0]) == want for v in by_doc.values())


def test_join_sentences_separates_titles_and_shifts_spans():
    from jpt_redact.data import Example

    sents = [Example("Liver cancer", [(0, 5, "Organ")]), Example("The liver .", [(4, 9, "Organ")]),
             Example("Cells died .", [(0, 5, "Cell")])]
    text, spans = anatem.join_sentences(sents)
    assert text == "Liver cancer\nThe liver . Cells died ."
    assert [text[s:e] for s, e, _ in spans] == ["Liver", "liver", "Cells"]
    text, _ = anatem.join_sentences(sents, sep_after_punct="\n")
    assert text.count("\n") == 2


@pytest.mark.parametrize(
    "text, spans, expected_text, expected_surfaces",
    [
        ("BackgroundHuman cells grow", [(10, 15, "Species")], "Background\nHuman cells grow", ["Human"]),
        ("grown in cultureThe cells", [], "grown in culture\nThe cells", []),
        ("were grown.The cells", [(11, 14, "CellType")], "were grown. The cells", ["The"]),
        ("cases of AIDS.Results show", [], "cases of AIDS. Results show", []),
        ("NeuroStem and GeneChip and hNuc and canFam", [], "NeuroStem and GeneChip and hNuc and canFam", []),
        ("the cultureThe x", [(4, 14, "Anatomy")], "the cultureThe x", ["cultureThe"]),  # never inside a span
        ("cultureThe", [(0, 7, "A"), (7, 10, "B")], "culture\nThe", ["culture", "The"]),
    ],
)
def test_cellfinder_glue_repair(text, spans, expected_text, expected_surfaces):
    new_text, new_spans = cellfinder.repair_glue(text, spans)
    assert new_text == expected_text
    assert [new_text[s:e] for s, e, _ in new_spans] == expected_surfaces


@pytest.mark.parametrize(
    "spans, expected, dropped",
    [
        ([(0, 14, "CellType"), (0, 5, "Species"), (6, 8, "CellType")], [(0, 14, "CellType")], 2),
        ([(0, 5, "A"), (3, 8, "B"), (9, 12, "C")], [(0, 5, "A"), (9, 12, "C")], 1),  # crossing: the earlier wins
        ([(0, 3, "CellType"), (0, 3, "Anatomy")], [(0, 3, "Anatomy")], 1),
        ([(0, 3, "CellType"), (0, 3, "CellLine")], [(0, 3, "CellLine")], 1),
    ],
)
def test_outermost_with_priority(spans, expected, dropped):
    assert cellfinder.outermost(spans, cellfinder._PRIORITY) == (expected, dropped)


def test_cells_of_a_named_line_are_a_cell_line():
    spans = [(0, 10, "CellType"), (0, 4, "CellLine"), (12, 17, "CellType")]  # 'K562 cells' ... 'hESCs'
    assert cellfinder.cell_line_cells(spans) == [(0, 4, "CellLine"), (0, 10, "CellLine"), (12, 17, "CellType")]


def test_cellfinder_dev_documents_are_stable():
    ids = [f"{1000 + i}" for i in range(30)]
    dev = cellfinder.dev_documents(ids)
    assert len(dev) == 3 and dev == cellfinder.dev_documents(list(reversed(ids)))
    assert len(cellfinder.dev_documents(ids[:10])) == 1


SECRET = "Zanzibarx"  # document text that an error message must never quote


@pytest.mark.parametrize(
    "reader, files, match",
    [
        (lambda root, split: mtl_bio.read_subcorpus("bc2gm", root, split),
         {"data/BC2GM-IOB/train.tsv": f"{SECRET}\tB-GENE\nlonely\n"}, r"train\.tsv:2"),
        (lambda root, split: mtl_bio.read_subcorpus("bc2gm", root, split), {}, "not found"),
        (anatem._read, {"original-data/conll/train/PMID-1.conll": f"{SECRET}\tB-Cell\nbad\n"}, r"PMID-1\.conll:2"),
        (anatem._read, {}, "no .conll documents"),
        (wlp._read, {"data/train_data/Conll_Format/protocol_1_conll.txt": f"{SECRET}\n"}, r"protocol_1_conll\.txt:1"),
        (wlp._read, {}, "no protocol files"),
        (cellfinder._read, {"original-data/cellfinder1_brat/1.txt": SECRET,
                            "original-data/cellfinder1_brat/1.ann": "T1\tSpecies 0 99\tx\n"}, r"1\.ann:1"),
        (cellfinder._read, {}, "no brat documents"),
        (neurotrialner._read, {"train.json": json.dumps([{"nctid": "N1", "text": SECRET, "entities": [
            {"start": 0, "end": 3, "text": "Nope", "type": "DRUG"}]}])}, "item 0 entity 0"),
        (neurotrialner._read, {"train.json": json.dumps([{"nctid": "N1", "text": SECRET, "entities": [
            {"start": 2, "end": 40, "type": "DRUG"}]}])}, "outside the text"),
        (neurotrialner._read, {"train.json": '[{"text": "' + SECRET + '"'}, "invalid JSON"),
        (neurotrialner._read, {"train.json": json.dumps({"text": SECRET})}, "JSON list"),
    ],
)
def test_malformed_inputs_raise_data_error(tmp_path, reader, files, match):
    _write(tmp_path, files)
    with pytest.raises(DataError, match=match) as exc:
        list(reader(tmp_path, "train"))
    assert SECRET not in str(exc.value)


@pytest.mark.parametrize("reader", [anatem._read, wlp._read, cellfinder._read, neurotrialner._read,
                                    lambda root, split: mtl_bio.read_subcorpus("bc5cdr", root, split)])
def test_unknown_split_is_an_error(tmp_path, reader):
    with pytest.raises(DataError, match="unknown split"):
        list(reader(tmp_path, "test"))
