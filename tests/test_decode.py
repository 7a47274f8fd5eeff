"""Token probabilities -> character spans (jpt_redact.model.decode), as tables.

Each case gives the text cut into tokens (the pieces concatenate to the text, so offsets are
known) and one tag per token: a label (probability 0.9), "label:p" for another probability,
or "." for no entity (all probabilities 0.05).
"""
from __future__ import annotations

import numpy as np
import pytest

from jpt_redact.model.decode import decode_spans

LABELS = ("PERSON", "CITY", "PHONE", "ADDRESS", "ORG")


def tokens(pieces: list[str]) -> tuple[str, list[tuple[int, int]]]:
    offsets, pos = [], 0
    for p in pieces:
        offsets.append((pos, pos + len(p)))
        pos += len(p)
    return "".join(pieces), offsets


def probs_from_tags(tags: list[str]) -> np.ndarray:
    probs = np.full((len(tags), len(LABELS)), 0.05, dtype=np.float32)
    for i, tag in enumerate(tags):
        for part in tag.split("+"):  # "PERSON+ORG:0.8": several types on one token
            if part == ".":
                continue
            label, _, p = part.partition(":")
            probs[i, LABELS.index(label)] = float(p) if p else 0.9
    return probs


def decode(pieces, tags, *, thresholds=None, nested=False):
    text, offsets = tokens(pieces)
    thr = [(thresholds or {}).get(label, 0.5) for label in LABELS]
    spans = decode_spans(text, offsets, probs_from_tags(tags), LABELS, thr, nested=nested)
    return [(text[s.start : s.end], s.label) for s in spans], spans


CASES = [
    # merging consecutive tokens of one type
    ("merge", ["John", " Smith", " called"], ["PERSON", "PERSON", "."], [("John Smith", "PERSON")]),
    ("single token", ["Call", " Paris", " now"], [".", "CITY", "."], [("Paris", "CITY")]),
    ("span at text end", ["Ask", " Carol"], [".", "PERSON"], [("Carol", "PERSON")]),
    ("nothing tagged", ["Just", " words", "."], [".", ".", "."], []),
    ("two separate entities", ["John", " met", " Mary"], ["PERSON", ".", "PERSON"],
     [("John", "PERSON"), ("Mary", "PERSON")]),
    # whitespace / newline gap tokens inside a span
    ("newline gap", ["12", " Main", " St", "\n", "Springfield"], ["ADDRESS", "ADDRESS", "ADDRESS", ".", "ADDRESS"],
     [("12 Main St\nSpringfield", "ADDRESS")]),
    ("two gap tokens", ["John", " ", "\n", "Smith"], ["PERSON", ".", ".", "PERSON"], [("John \nSmith", "PERSON")]),
    ("three gap tokens split", ["John", "\n", "\n", "\n", "Smith"], ["PERSON", ".", ".", ".", "PERSON"],
     [("John", "PERSON"), ("Smith", "PERSON")]),
    # a column gap separates fields of a form, never the parts of one value
    ("two spaces split", ["Margaret", " O'Donnell", "     ", " MRN"], ["PERSON", "PERSON", ".", "PERSON"],
     [("Margaret O'Donnell", "PERSON"), ("MRN", "PERSON")]),
    ("spaces inside the token split", ["Carol", "   Smith"], ["PERSON", "PERSON"], [("Carol", "PERSON"), ("Smith", "PERSON")]),
    ("tab splits", ["Carol", "\t", "Smith"], ["PERSON", ".", "PERSON"], [("Carol", "PERSON"), ("Smith", "PERSON")]),
    ("blank line splits", ["Carol", "\n", "\n", "Smith"], ["PERSON", ".", ".", "PERSON"],
     [("Carol", "PERSON"), ("Smith", "PERSON")]),
    ("indented line break joins", ["Kathleen", "\n  ", "O'Donnell"], ["PERSON", ".", "PERSON"],
     [("Kathleen\n  O'Donnell", "PERSON")]),
    ("a word in the gap splits", ["John", " and", " Smith"], ["PERSON", ".", "PERSON"],
     [("John", "PERSON"), ("Smith", "PERSON")]),
    ("trailing gap not included", ["Carol", "\n", "\n"], ["PERSON", ".", "."], [("Carol", "PERSON")]),
    ("gap then other type", ["Carol", " ", "Paris"], ["PERSON", ".", "CITY"], [("Carol", "PERSON"), ("Paris", "CITY")]),
    # a change of type splits
    ("type change", ["Paris", " John"], ["CITY", "PERSON"], [("Paris", "CITY"), ("John", "PERSON")]),
    ("type change and back", ["Ann", " Paris", " Bob"], ["PERSON", "CITY", "PERSON"],
     [("Ann", "PERSON"), ("Paris", "CITY"), ("Bob", "PERSON")]),
    # snapping to word boundaries
    ("token inside a word takes the word", ["John", "son", " left"], ["PERSON", ".", "."], [("Johnson", "PERSON")]),
    ("word end token", ["Mc", "Donald", " left"], [".", "PERSON", "."], [("McDonald", "PERSON")]),
    ("two runs in one word merge", ["Jo", "h", "n", " x"], ["PERSON", ".", "PERSON", "."], [("John", "PERSON")]),
    ("snap does not cross spaces", ["John", " Smith"], ["PERSON", "."], [("John", "PERSON")]),
    # stripping punctuation and quotes
    ("quotes stripped", ['"', "John", " Smith", '",'], ["PERSON", "PERSON", "PERSON", "PERSON"],
     [("John Smith", "PERSON")]),
    ("curly quotes and guillemets", ["«", "Paris", "»", " and", " “", "Rome", "”"], ["CITY"] * 3 + ["."] + ["CITY"] * 3,
     [("Paris", "CITY"), ("Rome", "CITY")]),
    ("sentence end stripped", ["Call", " 555-0100", "."], [".", "PHONE", "PHONE"], [("555-0100", "PHONE")]),
    ("leading space token stripped", ["Hi", " ", "Ann"], [".", "PERSON", "PERSON"], [("Ann", "PERSON")]),
    ("parentheses around a name", ["(", "John", ")"], ["PERSON"] * 3, [("John", "PERSON")]),
    ("only punctuation tagged", ["Hi", " ,", " ."], [".", "PERSON", "PERSON"], []),
    ("symbols without letters or digits dropped", ["order", " #", "_", " @"], [".", "ORG", "ORG", "ORG"], []),
    ("unbalanced closing bracket stripped", ["555-0100", ")"], ["PHONE", "PHONE"], [("555-0100", "PHONE")]),
    # brackets that belong to the value are kept
    ("phone with area code brackets", ["(", "555", ")", " 123", "-", "4567"], ["PHONE"] * 6,
     [("(555) 123-4567", "PHONE")]),
    ("phone brackets then comma", ["Call", " (", "555", ")", " 123", "-", "4567", ","], ["."] + ["PHONE"] * 7,
     [("(555) 123-4567", "PHONE")]),
    ("bracketed suffix kept", ["Acme", " (", "UK", ")"], ["ORG"] * 4, [("Acme (UK)", "ORG")]),
]


@pytest.mark.parametrize("name,pieces,tags,expected", CASES, ids=[c[0] for c in CASES])
def test_decode_table(name, pieces, tags, expected):
    got, spans = decode(pieces, tags)
    assert got == expected
    for s in spans:
        assert s.recognizer == "jpt"


THRESHOLD_CASES = [
    # (tags, thresholds, expected)
    (["PERSON:0.6", "CITY:0.6"], {}, [("Ann", "PERSON"), ("Rome", "CITY")]),
    (["PERSON:0.6", "CITY:0.6"], {"PERSON": 0.7}, [("Rome", "CITY")]),
    (["PERSON:0.6", "CITY:0.6"], {"CITY": 0.61}, [("Ann", "PERSON")]),
    (["PERSON:0.6", "CITY:0.6"], {"PERSON": 0.6, "CITY": 0.6}, [("Ann", "PERSON"), ("Rome", "CITY")]),  # >= is kept
    (["PERSON:0.3", "CITY:0.3"], {"PERSON": 0.25}, [("Ann", "PERSON")]),
    # the best type decides; a lower threshold of a runner-up type does not rescue it
    (["PERSON:0.6+CITY:0.4", "."], {"PERSON": 0.9, "CITY": 0.3}, []),
]


@pytest.mark.parametrize("tags,thresholds,expected", THRESHOLD_CASES)
def test_thresholds_per_type(tags, thresholds, expected):
    got, _ = decode(["Ann", " Rome"], tags, thresholds=thresholds)
    assert got == expected


NESTED_CASES = [
    # an organisation named after a person: ORG over all tokens, PERSON stronger on the name
    (["Bank", " of", " John", " Smith"], ["ORG:0.6", "ORG:0.6", "PERSON+ORG:0.6", "PERSON+ORG:0.6"],
     [("Bank of", "ORG"), ("John Smith", "PERSON")],
     [("Bank of John Smith", "ORG"), ("Bank of", "ORG"), ("John Smith", "PERSON")]),
    # a city inside an address
    (["1", " Rue", " X", ",", " Paris"], ["ADDRESS"] * 4 + ["CITY+ADDRESS:0.7"],
     [("1 Rue X", "ADDRESS"), ("Paris", "CITY")],
     [("1 Rue X, Paris", "ADDRESS"), ("1 Rue X", "ADDRESS"), ("Paris", "CITY")]),
    # one type only: nested adds nothing
    (["John", " Smith"], ["PERSON", "PERSON"], [("John Smith", "PERSON")], [("John Smith", "PERSON")]),
]


@pytest.mark.parametrize("pieces,tags,flat,nested", NESTED_CASES)
def test_nested_output_from_per_type_probabilities(pieces, tags, flat, nested):
    assert decode(pieces, tags)[0] == flat
    assert decode(pieces, tags, nested=True)[0] == nested


@pytest.mark.parametrize(
    "tags,score",
    [
        (["PERSON:0.9", "PERSON:0.7"], 0.8),
        (["PERSON:0.6", "PERSON:0.6"], 0.6),
        (["PERSON:1.0", "PERSON:0.5"], 0.75),
    ],
)
def test_span_score_is_the_mean_of_its_tokens(tags, score):
    _, spans = decode(["John", " Smith"], tags)
    assert len(spans) == 1
    assert spans[0].score == pytest.approx(score, abs=1e-6)


def test_gap_tokens_do_not_count_in_the_score():
    _, spans = decode(["John", "\n", "Smith"], ["PERSON:0.9", ".", "PERSON:0.7"])
    assert spans[0].score == pytest.approx(0.8, abs=1e-6)


def test_nested_spans_take_the_type_column_scores():
    _, spans = decode(["Bank", " of", " John"], ["ORG:0.6", "ORG:0.6", "PERSON:0.9+ORG:0.8"], nested=True)
    full = next(s for s in spans if (s.start, s.end, s.label) == (0, 12, "ORG"))
    assert full.score == pytest.approx((0.6 + 0.6 + 0.8) / 3, abs=1e-6)


@pytest.mark.parametrize("labels", [LABELS, ()])
def test_no_tokens_or_no_labels_give_no_spans(labels):
    assert decode_spans("", [], np.zeros((0, len(labels)), np.float32), labels, [0.5] * len(labels)) == []
    if not labels:
        assert decode_spans("John", [(0, 4)], np.zeros((1, 0), np.float32), labels, []) == []


def test_zero_width_tokens_are_tolerated():
    # byte-level tokenizers can emit tokens whose clamped offsets are empty
    text = "Ann 😀 Lee"
    offsets = [(0, 3), (3, 5), (5, 5), (5, 9)]
    probs = np.array([[0.9, 0, 0, 0, 0], [0.05] * 5, [0.05] * 5, [0.9, 0, 0, 0, 0]], np.float32)
    spans = decode_spans(text, offsets, probs, LABELS, [0.5] * 5)
    assert [(text[s.start : s.end], s.label) for s in spans] == [("Ann", "PERSON"), ("Lee", "PERSON")]


GROW_CASES = [
    # (tags, grow, expected): hysteresis extends a confident span over weaker neighbours of its type
    (["ADDRESS:0.3", "ADDRESS:0.35", "ADDRESS:0.8", "."], 1.0, [("Knoll", "ADDRESS")]),
    (["ADDRESS:0.3", "ADDRESS:0.35", "ADDRESS:0.8", "."], 0.5, [("302 Oscar Knoll", "ADDRESS")]),
    (["ADDRESS:0.2", "ADDRESS:0.35", "ADDRESS:0.8", "."], 0.5, [("Oscar Knoll", "ADDRESS")]),  # 0.2 < 0.25
    (["ADDRESS:0.3", "ADDRESS:0.35", "ADDRESS:0.4", "."], 0.5, []),  # nothing to grow from
    (["PERSON:0.9", "ADDRESS:0.35", "ADDRESS:0.8", "."], 0.5, [("302", "PERSON"), ("Oscar Knoll", "ADDRESS")]),
    ([".", "ADDRESS:0.8", ".", "ADDRESS:0.3"], 0.5, [("Oscar", "ADDRESS")]),  # a weak token does not bridge a gap
]


@pytest.mark.parametrize("tags,grow,expected", GROW_CASES)
def test_span_extension_hysteresis(tags, grow, expected):
    text, offsets = tokens(["302", " Oscar", " Knoll", " left"])
    thr = [0.5] * len(LABELS)
    spans = decode_spans(text, offsets, probs_from_tags(tags), LABELS, thr, grow=grow)
    assert [(text[s.start : s.end], s.label) for s in spans] == expected


def test_grown_tokens_do_not_lower_the_span_score():
    text, offsets = tokens(["302", " Oscar", " Knoll", " left"])
    probs = probs_from_tags(["ADDRESS:0.3", "ADDRESS:0.3", "ADDRESS:0.8", "."])
    (span,) = decode_spans(text, offsets, probs, LABELS, [0.5] * len(LABELS), grow=0.5)
    assert text[span.start : span.end] == "302 Oscar Knoll" and span.score == pytest.approx(0.8)


def test_span_extension_per_label():
    text, offsets = tokens(["302", " Oscar", " Knoll", " left"])
    probs = probs_from_tags(["ADDRESS:0.3", "ADDRESS:0.3", "ADDRESS:0.8", "."])
    no_growth_for_address = [0.5 if lab != "ADDRESS" else 1.0 for lab in LABELS]
    spans = decode_spans(text, offsets, probs, LABELS, [0.5] * len(LABELS), grow=no_growth_for_address)
    assert [text[s.start : s.end] for s in spans] == ["Knoll"]
