"""Evaluation metrics against hand-computed tables."""
from __future__ import annotations

import pytest

from jpt_redact.errors import DataError
from jpt_redact.evaluate import evaluate, f_beta, render_table
from jpt_redact.findings import Span
from jpt_redact.data import Example

TEXT = "Ann Lee lives at 12 Oak St in Rome."
GOLD = Example(TEXT, [(0, 7, "PERSON"), (17, 26, "STREET_ADDRESS"), (30, 34, "LOCATION")], None, "t")
PRED = [(0, 7, "PERSON", 0.9),        # exact
        (17, 23, "STREET_ADDRESS"),    # "12 Oak": overlap only
        (30, 34, "PERSON"),            # right place, wrong label
        (8, 13, "PERSON")]             # "lives": false positive


@pytest.fixture(scope="module")
def report():
    return evaluate([GOLD, Example("nothing here", [], None, "t")], [PRED, []])


# (type, regime, n_gold, n_pred, matched_gold, matched_pred, precision, recall)
@pytest.mark.parametrize("label, regime, n_gold, n_pred, mg, mp, p, r", [
    ("PERSON", "strict", 1, 3, 1, 1, 1 / 3, 1.0),
    ("STREET_ADDRESS", "strict", 1, 1, 0, 0, 0.0, 0.0),
    ("LOCATION", "strict", 1, 0, 0, 0, 0.0, 0.0),
    ("PERSON", "overlap", 1, 3, 1, 1, 1 / 3, 1.0),
    ("STREET_ADDRESS", "overlap", 1, 1, 1, 1, 1.0, 1.0),
    ("LOCATION", "overlap", 1, 0, 0, 0, 0.0, 0.0),
    ("micro", "strict", 3, 4, 1, 1, 0.25, 1 / 3),
    ("micro", "overlap", 3, 4, 2, 2, 0.5, 2 / 3),
])
def test_per_type_and_micro_table(report, label, regime, n_gold, n_pred, mg, mp, p, r):
    t = report.micro if label == "micro" else report.per_type[label]
    s = getattr(t, regime)
    assert (s.n_gold, s.n_pred, s.matched_gold, s.matched_pred) == (n_gold, n_pred, mg, mp)
    assert s.precision == pytest.approx(p) and s.recall == pytest.approx(r)
    assert s.f1 == pytest.approx(f_beta(p, r, 1))
    assert s.f2 == pytest.approx(f_beta(p, r, 2))


def test_f_scores_by_hand():
    assert f_beta(0.25, 1 / 3, 1) == pytest.approx(2 / 7)        # 2PR/(P+R)
    assert f_beta(0.25, 1 / 3, 2) == pytest.approx(0.3125)       # 5PR/(4P+R)
    assert f_beta(0.0, 0.0, 2) == 0.0


def test_label_agnostic_metrics(report):
    # 3 of 4 predictions sit on gold PII (the wrong-label one counts), "lives" does not
    assert report.entity_precision == pytest.approx(0.75)
    # gold non-space chars: AnnLee(6) + 12OakSt(7) + Rome(4) = 17; covered 6 + 5 + 4 = 15
    assert (report.gold_chars, report.covered_chars) == (17, 15)
    assert report.char_recall == pytest.approx(15 / 17)
    assert report.leak_rate == pytest.approx(2 / 17)
    assert report.n_docs == 2


def test_entity_precision_needs_half_coverage():
    gold = [Example("call 555 0100 now", [(5, 13, "PHONE_NUMBER")], None, "t")]
    # "555 0100 now": 10 solid chars, 7 on gold -> counts; "0100 now": 7 solid, 4 on gold -> counts;
    # "00 now": 5 solid, 2 on gold -> does not
    assert evaluate(gold, [[(5, 17, "X")]]).entity_precision == 1.0
    assert evaluate(gold, [[(9, 17, "X")]]).entity_precision == 1.0
    assert evaluate(gold, [[(11, 17, "X")]]).entity_precision == 0.0


def test_span_objects_dicts_and_label_map():
    gold = [Example("Ann in Rome", [(0, 3, "PER"), (7, 11, "LOC")], None, "t")]
    preds = [[Span(0, 3, "PERSON", 0.8), {"start": 7, "end": 11, "label": "GPE"}]]
    rep = evaluate(gold, preds, label_map={"PER": "PERSON", "LOC": "LOCATION", "GPE": "LOCATION"})
    assert rep.micro.strict.precision == 1.0 and rep.micro.strict.recall == 1.0
    ignored = evaluate(gold, preds, label_map={"PER": "PERSON", "LOC": None, "GPE": None})
    assert set(ignored.per_type) == {"PERSON"}


def test_no_predictions_and_no_gold():
    rep = evaluate([Example("plain text", [], None, "t")], [[]])
    assert rep.micro.strict.precision == 0.0 and rep.char_recall == 1.0 and rep.entity_precision == 0.0


def test_errors():
    with pytest.raises(DataError, match="prediction lists"):
        evaluate([GOLD], [])
    with pytest.raises(DataError, match="outside the text"):
        evaluate([GOLD], [[(0, 99, "PERSON")]])
    with pytest.raises(DataError, match="start, end, label"):
        evaluate([GOLD], [[(0, 3)]])


def test_to_dict_and_render(report):
    d = report.to_dict()
    assert d["micro"]["strict"]["precision"] == 0.25 and d["leak_rate"] == round(2 / 17, 4)
    assert set(d["per_type"]) == {"PERSON", "STREET_ADDRESS", "LOCATION"}
    for plain in (True, False):
        out = render_table(report, plain=plain)
        assert "micro" in out and "STREET_ADDRESS" in out and "0.333" in out and "leak rate 0.118" in out
