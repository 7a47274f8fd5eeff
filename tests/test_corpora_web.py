"""Web, software, literary, encyclopedic and clinical corpora: stackoverflow, litbank, re_docred (and its
role-typed views), uner_ewt, meddocan.

Real-data tests skip when /work/shared/data/ner-train is absent; the format tests use tiny
inline folders laid out like the real ones.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest

from jpt_redact.errors import DataError
from jpt_redact.train.corpora import CORPORA, data_root, load_corpus
from jpt_redact.train.corpora.litbank import is_dev
from jpt_redact.train.label_defs import load_corpus_definitions

NAMES = ("stackoverflow", "litbank", "re_docred", "re_docred_roles", "re_docred_roles_heldout", "uner_ewt", "meddocan")
# Floors well under the real counts (train, dev examples): a reader that silently loses
# documents fails, a small upstream correction does not.
MIN_EXAMPLES = {"stackoverflow": (1800, 550), "litbank": (1500, 120), "re_docred": (1100, 1000),
                "re_docred_roles": (1100, 1000), "re_docred_roles_heldout": (1100, 1000),
                "uner_ewt": (1800, 350), "meddocan": (2600, 1300)}


def _real(name: str) -> Path:
    folder = data_root() / CORPORA[name].folder
    if not folder.is_dir():
        pytest.skip(f"{folder} not present")
    return folder


@lru_cache(maxsize=None)
def _load(name: str, split: str):
    return load_corpus(name, split)


def _surface(ex):
    return [(ex.text[s:e], lab) for s, e, lab in ex.spans]


def _read(name: str, folder: Path, split: str = "train"):
    return list(CORPORA[name].read(folder, split))


# ---------------------------------------------------------------- real data

@pytest.mark.parametrize("name", NAMES)
def test_real_corpus_loads_with_exact_offsets_and_definitions(name):
    _real(name)
    defs = load_corpus_definitions()[name]
    for split, floor in zip(("train", "dev"), MIN_EXAMPLES[name]):
        exs = _load(name, split)
        assert len(exs) >= floor, (name, split)
        labels = set()
        for ex in exs:
            assert ex.source == name and ex.meta.get("doc_id")
            assert len(ex.text) <= 1200  # chunked: training reads ~160 tokens
            prev_end = 0
            for s, e, lab in ex.spans:
                frag = ex.text[s:e]
                assert frag and frag == frag.strip(), (name, lab)
                assert s >= prev_end, (name, "overlapping spans")  # one label per token
                prev_end = e
                labels.add(lab)
        assert labels <= set(defs.labels), (name, sorted(labels - set(defs.labels)))
        if split == "train":
            assert labels == set(defs.labels), (name, "definitions for labels never emitted")


@pytest.mark.parametrize("name", NAMES)
def test_real_splits_are_disjoint(name):
    _real(name)
    train, dev = _load(name, "train"), _load(name, "dev")
    assert not {e.meta["doc_id"] for e in train} & {e.meta["doc_id"] for e in dev}
    # Distinct documents may still share a templated passage (two Polish village stubs in re_docred).
    assert len({e.text for e in train} & {e.text for e in dev}) <= 2


def test_meddocan_spans_match_brat_surface_strings():
    folder = _real("meddocan")
    ann = sorted((folder / "corpus" / "dev" / "brat").glob("*.ann"))[0]
    surfaces = {}
    for line in ann.read_text(encoding="utf-8").splitlines():
        _, head, surface = line.split("\t")
        surfaces.setdefault(head.split()[0], set()).add(surface)
    pieces = [e for e in _load("meddocan", "dev") if e.meta["doc_id"] == ann.stem]
    assert pieces and all(e.meta["language"] == "es" for e in pieces)
    for ex in pieces:
        for text, lab in _surface(ex):
            assert text in surfaces[lab]


def test_real_uner_keeps_original_spacing_and_litbank_holds_out_a_tenth():
    _real("uner_ewt")
    first = _load("uner_ewt", "dev")[0]
    assert ("tampa bay", "LOC") in _surface(first) and "genre" in first.meta
    assert any(", " in e.text for e in _load("uner_ewt", "dev")[:20])  # '# text' spacing, not ' , '
    folder = _real("litbank")
    names = [p.name for p in (folder / "entities" / "tsv").glob("*.tsv")]
    assert 5 <= sum(map(is_dev, names)) <= 15


# ---------------------------------------------------------------- stackoverflow format

SO_POSTS = """\
Question_ID\tO\tQuestion_ID\tO
:\tO\t:\tO
123\tO\t123\tO

Question_URL\tO\tQuestion_URL\tO
:\tO\t:\tO
https://stackoverflow.com/questions/123/\tO\thttps://stackoverflow.com/questions/123/\tO

I\tO\tI\tO
use\tO\tuse\tO
React\tB-Library\tReact\tO
Native\tI-Library\tNative\tO
here\tO\there\tB-Code_Block
:\tO\t:\tO
CODE_BLOCK\tB-Code_Block\tCODE_BLOCK\tB-Code_Block
:\tI-Code_Block\t:\tI-Code_Block
Q_1\tI-Code_Block\tQ_1\tI-Code_Block
(\tI-Code_Block\t(\tI-Code_Block
code\tI-Code_Block\tcode\tI-Code_Block
omitted\tI-Code_Block\tomitted\tI-Code_Block
for\tI-Code_Block\tfor\tI-Code_Block
annotation\tI-Code_Block\tannotation\tI-Code_Block
)\tI-Code_Block\t)\tI-Code_Block

Answer_to_Question_ID\tO\tAnswer_to_Question_ID\tO
:\tO\t:\tO
123\tO\t123\tO

Call\tO\tCall\tO
setState()\tB-Library_Function\tsetState()\tO
in\tO\tin\tO
MIT\tB-Licence\tMIT\tO

OP_BLOCK\tB-Output_Block\tOP_BLOCK\tB-Output_Block
:\tI-Output_Block\t:\tI-Output_Block
(\tI-Output_Block\t(\tI-Output_Block
output\tI-Output_Block\toutput\tI-Output_Block
omitted\tI-Output_Block\tomitted\tI-Output_Block
for\tI-Output_Block\tfor\tI-Output_Block
annotation\tI-Output_Block\tannotation\tI-Output_Block
)\tI-Output_Block\t)\tI-Output_Block
"""


def _so_folder(tmp_path: Path, content: str) -> Path:
    (tmp_path / "StackOverflow").mkdir(parents=True, exist_ok=True)
    (tmp_path / "StackOverflow" / "train.txt").write_text(content, encoding="utf-8")
    return tmp_path


def test_stackoverflow_posts_without_headers_or_placeholders(tmp_path):
    q, a = _read("stackoverflow", _so_folder(tmp_path, SO_POSTS))
    assert q.text == "I use React Native here :" and _surface(q) == [("React Native", "Library")]
    assert q.meta == {"doc_id": "question-123", "question_id": "123", "post": "question"}
    # column 2 is read, not the markdown column; the Licence tag is dropped; OP_BLOCK removed
    assert a.text == "Call setState() in MIT" and _surface(a) == [("setState()", "Library_Function")]
    assert a.meta["doc_id"] == "answer-123-1"


@pytest.mark.parametrize("content, where", [
    ("Question_ID\tO\n:\tO\n1\tO\n\nlonely\n", r"train\.txt:5"),                    # one column
    ("Question_ID\tO\n:\tO\n1\tO\n\nword\tX-Lib\n", r"train\.txt:5"),               # bad tag
    ("word\tO\n", r"train\.txt:1"),                                                  # no post header
    ("Question_ID\tO\n:\tO\n1\tO\n\nCODE_BLOCK\tB-Code_Block\n:\tI-Code_Block\n", "placeholder"),
])
def test_stackoverflow_malformed(tmp_path, content, where):
    with pytest.raises(DataError, match=where):
        _read("stackoverflow", _so_folder(tmp_path, content))


# ---------------------------------------------------------------- litbank format

def _litbank_folder(tmp_path: Path, rows: list[str], name: str = "1_a_tale_brat.tsv") -> Path:
    d = tmp_path / "entities" / "tsv"
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return tmp_path


# token, layer 1 (innermost) ... layer 4, trailing tab as in the real files
LITBANK_ROWS = [
    "The\tO\tB-PER\tO\tO\t", "daughter\tO\tI-PER\tO\tO\t", "of\tO\tI-PER\tO\tO\t",
    "Mr.\tB-PER\tI-PER\tO\tO\t", "Smith\tI-PER\tI-PER\tO\tO\t", "left\tO\tO\tO\tO\t",
    "the\tB-GPE\tO\tO\tO\t", "village\tI-GPE\tO\tO\tO\t", "some\tO\tO\tO\tO\t", "ponies\tO\tO\tO\tO\t",
    "in\tO\tO\tO\tO\t", "a\tB-VEH\tO\tO\tO\t", "cart\tI-VEH\tO\tO\tO\t", ".\tO\tO\tO\tO\t",
]


def test_litbank_keeps_outermost_mentions(tmp_path):
    folder = _litbank_folder(tmp_path, LITBANK_ROWS)
    split = "dev" if is_dev("1_a_tale_brat.tsv") else "train"
    (ex,) = _read("litbank", folder, split)
    assert ex.text == "The daughter of Mr. Smith left the village some ponies in a cart ."
    assert _surface(ex) == [("The daughter of Mr. Smith", "PER"), ("the village", "GPE"), ("a cart", "VEH")]
    assert ex.meta == {"doc_id": "1_a_tale", "gutenberg_id": "1"}
    assert _read("litbank", folder, "train" if split == "dev" else "dev") == []


@pytest.mark.parametrize("rows", [
    ["The\tO\tB-PER\tO\tO\t", "man\tO\tI-PER\tO\t"],   # tag columns change within a sentence
    ["The\tB-PERSON?\tO\tO\tO\t"],                      # malformed tag
    ["lonely"],                                          # no tag columns
])
def test_litbank_malformed(tmp_path, rows):
    folder = _litbank_folder(tmp_path, rows)
    with pytest.raises(DataError, match=r"1_a_tale_brat\.tsv:\d"):
        _read("litbank", folder, "dev" if is_dev("1_a_tale_brat.tsv") else "train")


# ---------------------------------------------------------------- re_docred format

def _docred(tmp_path: Path, docs) -> Path:
    (tmp_path / "dev_revised.json").write_text(json.dumps(docs), encoding="utf-8")
    return tmp_path


def _mention(sent_id, a, b, typ):
    return {"name": "x", "sent_id": sent_id, "pos": [a, b], "type": typ}


def test_re_docred_tokens_joined_mentions_flattened(tmp_path):
    doc = {"title": "Philip", "sents": [["Philip", "V", "of", "Spain", "ruled", "."],
                                        ["It", "is", "14", "\u00a0", "km", "long", "."]],
           "vertexSet": [[_mention(0, 0, 4, "PER")], [_mention(0, 3, 4, "LOC")], [_mention(1, 2, 5, "NUM")],
                         [_mention(1, 3, 4, "NUM")]]}
    (ex,) = _read("re_docred", _docred(tmp_path, [doc]))
    assert ex.text == "Philip V of Spain ruled . It is 14 km long ."  # the no-break-space token is left out
    assert _surface(ex) == [("Philip V of Spain", "PER"), ("14 km", "NUM")]
    assert ex.meta == {"doc_id": "Philip", "title": "Philip"}


@pytest.mark.parametrize("doc, match", [
    ({"title": "t", "sents": [["a"]], "vertexSet": [[_mention(3, 0, 1, "PER")]]}, "outside"),
    ({"title": "t", "sents": [["a"]], "vertexSet": [[_mention(0, 0, 1, "GENE")]]}, "unknown entity type"),
    ({"title": "t", "sents": "a b", "vertexSet": []}, "sents"),
    ({"title": "t", "sents": [["a"]], "vertexSet": [[{"pos": [0, 1]}]]}, "needs sent_id"),
])
def test_re_docred_malformed(tmp_path, doc, match):
    with pytest.raises(DataError, match=r"document 0: .*" + match):
        _read("re_docred", _docred(tmp_path, [doc]))
    (tmp_path / "dev_revised.json").write_text("[{", encoding="utf-8")
    with pytest.raises(DataError, match="invalid JSON"):
        _read("re_docred", tmp_path)


def _relation(r, h, t):
    return {"r": r, "h": h, "t": t, "evidence": []}


def test_re_docred_roles_type_entities_by_their_relations(tmp_path):
    doc = {"title": "Alger", "sents": [["Ross", "Alger", "of", "the", "Liberal", "Party", "played", "for",
                                        "Calgary", "Stampeders", "in", "Canada", "."],
                                       ["Alger", "met", "Rod", "Sykes", "near", "the", "Bow", "."]],
           "vertexSet": [[_mention(0, 0, 2, "PER"), _mention(1, 0, 1, "PER")],   # 0 party member and player
                         [_mention(0, 4, 6, "ORG")],                               # 1 his party
                         [_mention(0, 8, 10, "ORG")],                              # 2 his team
                         [_mention(0, 11, 12, "LOC")],                             # 3 a country
                         [_mention(1, 2, 4, "PER")],                               # 4 in no relation
                         [_mention(1, 6, 7, "LOC")]],                              # 5 performer? wrong type
           "labels": [_relation("P102", 0, 1), _relation("P54", 0, 2), _relation("P17", 2, 3),
                      _relation("P175", 4, 5)]}
    folder = _docred(tmp_path, [doc])
    (ex,) = _read("re_docred_roles", folder)
    # the first role in ROLES wins (a party member who also plays is a POLITICIAN), every mention
    # is tagged; Rod Sykes takes part in no relation and the Bow's relation wants a PER or ORG tail
    assert _surface(ex) == [("Ross Alger", "POLITICIAN"), ("Calgary Stampeders", "SPORTS_TEAM"),
                            ("Canada", "COUNTRY"), ("Alger", "POLITICIAN")]
    (held,) = _read("re_docred_roles_heldout", folder)
    assert held.text == ex.text and _surface(held) == [("Liberal Party", "POLITICAL_PARTY")]


def test_re_docred_role_sets_are_disjoint_and_held_out_roles_are_nobody_elses_label():
    from jpt_redact.train.corpora.re_docred_roles import HELD_OUT_ROLES, ROLE_NAMES

    assert len(set(ROLE_NAMES)) == len(ROLE_NAMES) and HELD_OUT_ROLES < set(ROLE_NAMES)
    defs = load_corpus_definitions()
    assert set(defs["re_docred_roles_heldout"].labels) == HELD_OUT_ROLES
    assert set(defs["re_docred_roles"].labels) == set(ROLE_NAMES) - HELD_OUT_ROLES
    elsewhere = {ld.label for name, cd in defs.items() if name != "re_docred_roles_heldout" for ld in cd.labels.values()}
    assert not elsewhere & HELD_OUT_ROLES  # a held-out role that another corpus trains would not be zero-shot


# ---------------------------------------------------------------- uner_ewt format

UNER = """\
# newdoc id = email-enronsent01_01
# sent_id = email-enronsent01_01-0001
# text = Ask Debra (at Enron), not the Americans.
1\tAsk\tO\t-\t-
2\tDebra\tB-PER\t-\tstephen
3\t(\tO
4\tat\tO
5\tEnron\tB-ORG\t-\tstephen
6\t)\tO
7\t,\tO
8\tnot\tO
9\tthe\tO
10\tAmericans\tB-OTH\t-\tstephen
11\t.\tB-O\t-\tstephen

# sent_id = email-enronsent01_01-0002
# text = Thanks
1\tThanks\tO

# sent_id = reviews-000001-0001
# text = We will visit   Tampa Bay!
1\tWe\tO
2\twill\tO
3\tvisit\tO
4\tTampa\tB-LOC
5\tBay\tI-LOC
6\t!\tO
"""


def _uner(tmp_path: Path, content: str) -> Path:
    (tmp_path / "en_ewt-ud-train.FIRST_COMMIT_0c7ce0d.iob2").write_text(content, encoding="utf-8")
    return tmp_path


def test_uner_original_text_documents_and_tag_mapping(tmp_path):
    email, review = _read("uner_ewt", _uner(tmp_path, UNER))
    assert email.text == "Ask Debra (at Enron), not the Americans.\nThanks"
    assert _surface(email) == [("Debra", "PER"), ("Enron", "ORG")]  # OTH and stray B-O read as O
    assert email.meta == {"doc_id": "email-enronsent01_01", "genre": "email"}
    assert review.text == "We will visit   Tampa Bay!" and _surface(review) == [("Tampa Bay", "LOC")]


def test_uner_falls_back_to_tokens_when_text_does_not_align(tmp_path):
    content = ("# sent_id = answers-1-0001\n# text = Please ask Bob about it\n"
               "1\tPlease\tO\n2\ttell\tO\n3\tBob\tB-PER\n4\tabout\tO\n5\tit\tO\n")
    (ex,) = _read("uner_ewt", _uner(tmp_path, content))
    assert ex.text == "Please tell Bob about it" and _surface(ex) == [("Bob", "PER")]


@pytest.mark.parametrize("content", [
    "# sent_id = a-0001\n1\tword\n",              # no tag column
    "# sent_id = a-0001\n1\tword\tB-MISC\n",      # unknown type
    "# sent_id = a-0001\n1\t\tO\n",               # empty token
])
def test_uner_malformed(tmp_path, content):
    with pytest.raises(DataError, match=r"iob2:2"):
        _read("uner_ewt", _uner(tmp_path, content))


# ---------------------------------------------------------------- meddocan format

MED_TEXT = "Nombre: Ana.\nNHC: casada.\nNASS: 26 635.\nEs azafata en Madrid y vive con su madre."
MED_ANN = ("T1\tNOMBRE_SUJETO_ASISTENCIA 8 11\tAna\nT2\tID_SUJETO_ASISTENCIA 18 24\tcasada\n"
           "T3\tID_ASEGURAMIENTO 32 38\t26 635\nT4\tPROFESION 43 50\tazafata\n"
           "T5\tTERRITORIO 54 60\tMadrid\nT6\tFAMILIARES_SUJETO_ASISTENCIA 75 80\tmadre\n")


def _meddocan(tmp_path: Path, ann: str) -> Path:
    d = tmp_path / "corpus" / "train" / "brat"
    d.mkdir(parents=True)
    (d / "S1.txt").write_text(MED_TEXT, encoding="utf-8")
    (d / "S1.ann").write_text(ann, encoding="utf-8")
    return tmp_path


def test_meddocan_drops_unlearnable_labels_and_slips(tmp_path):
    (ex,) = _read("meddocan", _meddocan(tmp_path, MED_ANN))
    assert _surface(ex) == [("Ana", "NOMBRE_SUJETO_ASISTENCIA"), ("26 635", "ID_ASEGURAMIENTO"),
                            ("Madrid", "TERRITORIO"), ("madre", "FAMILIARES_SUJETO_ASISTENCIA")]
    assert ex.meta == {"doc_id": "S1", "language": "es"}
    assert CORPORA["meddocan"].language == "es"


@pytest.mark.parametrize("ann, match", [
    ("T1\tCALLE 8 999\tAna\n", "outside the text"),
    ("T1\tCALLE eight 11\tAna\n", "malformed offsets"),
])
def test_meddocan_malformed(tmp_path, ann, match):
    with pytest.raises(DataError, match=r"S1\.ann:1: .*" + match):
        _read("meddocan", _meddocan(tmp_path, ann))
    with pytest.raises(DataError, match="folder not found"):
        _read("meddocan", tmp_path, "dev")


def test_unknown_split_is_an_error(tmp_path):
    for name in NAMES:
        with pytest.raises(DataError, match="unknown split"):
            _read(name, tmp_path, "test")
