"""Data formats and converters: tiny inline files, exact offsets, line-numbered errors."""
from __future__ import annotations

import json

import pytest

from jpt_redact.errors import DataError
from jpt_redact.data import (
    Example,
    load_examples,
    read_conll,
    read_jsonl,
    read_presidio_json,
    read_span_json,
    write_jsonl,
)
from jpt_redact.train.corpora import CORPORA
from jpt_redact.train.label_defs import load_corpus_definitions, load_definitions


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def _surface(ex: Example):
    return [(ex.text[s:e], lab) for s, e, lab in ex.spans]


@pytest.mark.parametrize(
    "name, content, expected_text, expected",
    [
        # WNUT/BTC style: token<TAB>BIO
        ("a.conll", "Empire\tB-location\nState\tI-location\nrocks\tO\n\nhi\tO\n",
         ["Empire State rocks", "hi"], [[("Empire State", "location")], []]),
        # SEC style: 4 columns, -DOCSTART-, IOB1 (I- only)
        ("b.txt", "-DOCSTART- -X- O O\n\nSILICON NNP - I-ORG\nVALLEY NNP - I-ORG\nin IN - O\nBoston NNP - I-LOC\n",
         ["SILICON VALLEY in Boston"], [[("SILICON VALLEY", "ORG"), ("Boston", "LOC")]]),
        # MultiCoNER style: '# id' header, 'token _ _ tag'
        ("c.conll", "# id 123\tdomain=en\neli _ _ B-OtherPER\nlilly _ _ I-OtherPER\nfounded _ _ O\nacme _ _ B-PublicCorp\n",
         ["eli lilly founded acme"], [[("eli lilly", "OtherPER"), ("acme", "PublicCorp")]]),
        # AnEM style: token start end BIO
        ("d.train", "Ventricular\t0\t11\tB-Multi-tissue_structure\nfibrillation\t12\t24\tO\n",
         ["Ventricular fibrillation"], [[("Ventricular", "Multi-tissue_structure")]]),
        # BIO: adjacent entities of one type stay separate
        ("e.conll", "Ann\tB-PER\nBob\tB-PER\n", ["Ann Bob"], [[("Ann", "PER"), ("Bob", "PER")]]),
        # A '#' token is a token, not a header
        ("f.conll", "#\tO\nPadres\tB-group\n", ["# Padres"], [[("Padres", "group")]]),
        # Whitespace-only token lines (as in BTC) are dropped
        ("g.conll", "a\tO\n\tO\nParis\tB-LOC\n", ["a Paris"], [[("Paris", "LOC")]]),
    ],
)
def test_read_conll_formats(tmp_path, name, content, expected_text, expected):
    exs = list(read_conll(_write(tmp_path, name, content)))
    assert [e.text for e in exs] == expected_text
    assert [_surface(e) for e in exs] == expected


def test_read_conll_io_scheme_merges_runs(tmp_path):
    p = _write(tmp_path, "io.conll", "Ann\tPER\nLee\tPER\nsaid\tO\n")
    (ex,) = read_conll(p)
    assert _surface(ex) == [("Ann Lee", "PER")]
    (ex_io,) = read_conll(_write(tmp_path, "bio.conll", "Ann\tB-PER\nBob\tB-PER\n"), scheme="io")
    assert _surface(ex_io) == [("Ann Bob", "PER")]


def test_read_conll_errors_name_file_and_line(tmp_path):
    p = _write(tmp_path, "bad.conll", "ok\tO\nlonely\n")
    with pytest.raises(DataError, match=r"bad\.conll:2"):
        list(read_conll(p))
    with pytest.raises(DataError, match="scheme"):
        list(read_conll(p, scheme="bilou"))
    with pytest.raises(DataError, match="cannot open"):
        list(read_conll(tmp_path / "missing.conll"))


def test_jsonl_round_trip(tmp_path):
    exs = [Example("Call Ann at 555-0100", [(5, 8, "PERSON"), (12, 20, "PHONE_NUMBER")], {"PERSON": "a name"}, "t"),
           Example("nothing here", [], None, "t", meta={"family": "x.y", "unannotated": ["DATE_TIME"]})]
    p = tmp_path / "x.jsonl"
    assert write_jsonl(exs, p) == 2
    back = list(read_jsonl(p))
    assert [(b.text, b.spans, b.types, b.source, b.meta) for b in back] == [(e.text, e.spans, e.types, e.source, e.meta) for e in exs]
    assert load_examples(p)[0].spans == exs[0].spans


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "abc", "spans": [{"start": 0, "end": 9, "label": "X"}]}', "outside the text"),
        ('{"text": "abc", "spans": [{"start": 2, "end": 2, "label": "X"}]}', "outside the text"),
        ('{"text": 5}', "'text' must be a string"),
        ('{"text": "abc", "spans": [{"start": 0, "end": 1}]}', "needs a label"),
        ('{"text": "abc", "types": {"X": 3}}', "'types'"),
        ("{not json", "invalid JSON"),
    ],
)
def test_jsonl_validation_errors(tmp_path, line, message):
    p = _write(tmp_path, "bad.jsonl", '{"text": "fine", "spans": []}\n' + line + "\n")
    with pytest.raises(DataError, match=message) as exc:
        list(read_jsonl(p))
    assert "bad.jsonl:2" in str(exc.value)
    assert "abc" not in str(exc.value)  # never quotes document text


def test_span_json_accepts_entities_and_entity_type(tmp_path):
    data = [{"text": "Ann in Rome", "entities": [{"start": 0, "end": 3, "entity_type": "PERSON"}]},
            {"text": "Rome", "spans": [{"start": 0, "end": 4, "label": "LOC"}]}]
    p = _write(tmp_path, "s.json", json.dumps(data))
    exs = list(read_span_json(p))
    assert [_surface(e) for e in exs] == [[("Ann", "PERSON")], [("Rome", "LOC")]]
    assert [_surface(e) for e in load_examples(p)] == [[("Ann", "PERSON")], [("Rome", "LOC")]]


def test_presidio_json_and_dispatch(tmp_path):
    data = [{"full_text": "Mail bob@x.org now", "masked": "x", "spans": [
        {"entity_type": "EMAIL_ADDRESS", "entity_value": "bob@x.org", "start_position": 5, "end_position": 14}]}]
    p = _write(tmp_path, "p.json", json.dumps(data))
    (ex,) = read_presidio_json(p)
    assert _surface(ex) == [("bob@x.org", "EMAIL_ADDRESS")]
    assert ex.meta["evaluation_only"] is True
    (auto,) = load_examples(p)  # .json with full_text is detected as presidio
    assert auto.spans == ex.spans
    bad = _write(tmp_path, "q.json", json.dumps([{"full_text": "a", "spans": [{"entity_type": "X"}]}]))
    with pytest.raises(DataError, match="item 0"):
        list(read_presidio_json(bad))


def test_load_examples_unknown_format(tmp_path):
    p = _write(tmp_path, "x.csv", "a,b\n")
    with pytest.raises(DataError, match="format"):
        load_examples(p)
    with pytest.raises(DataError, match="unknown data format"):
        load_examples(p, format="xml")


def test_definitions_cover_every_corpus_label():
    defs = load_definitions()
    assert set(CORPORA) | {"pii"} <= set(defs)
    expected_counts = {"wnut17": 6, "btc": 3, "sec": 4, "anem": 11, "multiconer2": 33}
    for corpus, n in expected_counts.items():
        assert len(defs[corpus]) == n, corpus
    for corpus, labels in defs.items():
        for raw, ld in labels.items():
            assert ld.label.isupper() and " " not in ld.label
            assert 2 <= len(ld.definitions) <= 4, (corpus, raw)
            assert all(20 <= len(d) <= 320 for d in ld.definitions), (corpus, raw)
    assert "MISC" in defs["sec"] and "Medication/Vaccine" in defs["multiconer2"]
    assert load_corpus_definitions()["pii"].exclude_negative_kinds


def test_definitions_errors(tmp_path):
    _write(tmp_path, "bad.yaml", "corpus: x\nlabels:\n  foo:\n    label: lower\n    definitions: [a]\n")
    with pytest.raises(DataError, match="UPPER_SNAKE"):
        load_definitions(tmp_path)
