"""Dialogue and assistant corpora (SGD, SNIPS, SLURP): the real folders and small inline files."""
from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest

from jpt_redact.errors import DataError
from jpt_redact.train.corpora import CORPORA, data_root, load_corpus
from jpt_redact.train.corpora.sgd import SPANLESS_KEEP_EVERY, domain_of, raw_label, read_sgd
from jpt_redact.train.corpora.slurp import read_slurp
from jpt_redact.train.corpora.snips import normalized, read_snips
from jpt_redact.train.label_defs import load_definitions

NAMES = ("sgd", "snips", "slurp")
# Lower bounds well below the real sizes (sgd 122k/21k, snips 13.8k/689, slurp 2974/2030).
MIN_SIZES = {"sgd": (100_000, 15_000), "snips": (13_000, 600), "slurp": (2_500, 1_800)}


@pytest.fixture(scope="module")
def real():
    if not data_root().is_dir():
        pytest.skip("training corpora not present")
    return {name: {split: load_corpus(name, split) for split in ("train", "dev")} for name in NAMES}


def test_registered_with_licence_and_citation():
    for name in NAMES:
        corpus = CORPORA[name]
        assert corpus.splits == ("train", "dev")
        assert corpus.licence and corpus.citation


@pytest.mark.parametrize("name", NAMES)
def test_real_corpus_loads_with_exact_offsets(real, name):
    for split, minimum in zip(("train", "dev"), MIN_SIZES[name]):
        examples = real[name][split]
        assert len(examples) >= minimum, (name, split)
        assert {ex.source for ex in examples} == {name}
        for ex in examples:
            prev_end = 0
            for s, e, lab in ex.spans:
                surface = ex.text[s:e]
                assert 0 <= s < e <= len(ex.text) and surface.strip() == surface, (name, ex.meta, lab)
                assert s >= prev_end, (name, ex.meta)  # sorted, no overlaps
                prev_end = e


@pytest.mark.parametrize("name", NAMES)
def test_definitions_match_emitted_labels(real, name):
    emitted = {lab for split in ("train", "dev") for ex in real[name][split] for *_, lab in ex.spans}
    assert emitted == set(load_definitions()[name])  # none missing, none stale


@pytest.mark.parametrize("name, key", [
    ("sgd", lambda ex: ex.meta["dialogue_id"]),
    ("snips", lambda ex: normalized(ex.text)),
    ("slurp", lambda ex: normalized(ex.text)),
])
def test_splits_disjoint(real, name, key):
    train = {key(ex) for ex in real[name]["train"]}
    assert not train & {key(ex) for ex in real[name]["dev"]}


def test_sgd_meta_names_service_and_domain(real):
    for ex in real["sgd"]["dev"]:
        if ex.spans:
            assert ex.meta["domain"] == domain_of(ex.meta["service"])
            assert ex.meta["domain"] in ex.meta["dialogue_domains"]
    domains = {d for ex in real["sgd"]["train"] for d in ex.meta["dialogue_domains"]}
    assert {"Restaurants", "Hotels", "RideSharing", "Weather"} <= domains


@pytest.mark.parametrize("slot, service, expected", [
    ("city", "Restaurants_2", "city"),
    ("date", "Weather_1", "date@Weather"),
    ("destination", "RideSharing_2", "destination@RideSharing"),
    ("genre", "Music_1", "genre@Music"),
    ("price", "Hotels_3", "price@Hotels"),
])
def test_sgd_raw_label(slot, service, expected):
    assert raw_label(slot, service) == expected


def _write_gz(path: Path, lines: list[str]) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


def _turn(did: str, turn: int, text: str, spans=()) -> str:
    return json.dumps({"dialogue_id": did, "turn": turn, "speaker": "USER", "text": text, "spans": list(spans)})


def test_sgd_keeps_one_in_four_spanless_turns_and_drops_nested_spans(tmp_path):
    text = "Is it sunny in Hayward on Friday at Century at Hayward?"
    spans = [
        {"start": 15, "end": 22, "text": "Hayward", "slot": "city", "service": "Weather_1"},
        {"start": 26, "end": 32, "text": "Friday", "slot": "date", "service": "Weather_1"},
        {"start": 36, "end": 54, "text": "Century at Hayward", "slot": "theater_name", "service": "Movies_1"},
        {"start": 47, "end": 54, "text": "Hayward", "slot": "location", "service": "Movies_1"},
    ]
    lines = [_turn("1_00000", i, f"Plain turn {i}.") for i in range(8)] + [_turn("1_00000", 8, text, spans)]
    _write_gz(tmp_path / "sgd_spans_train.jsonl.gz", lines)
    out = list(read_sgd(tmp_path, "train"))
    spanless = [ex for ex in out if not ex.spans]
    assert [ex.meta["turn"] for ex in spanless] == [0, 4]
    assert len(spanless) == math.ceil(8 / SPANLESS_KEEP_EVERY)
    (last,) = [ex for ex in out if ex.spans]
    assert [(last.text[s:e], lab) for s, e, lab in last.spans] == [
        ("Hayward", "city"), ("Friday", "date@Weather"), ("Century at Hayward", "theater_name")]
    assert last.meta["dialogue_id"] == "train/1_00000" and last.meta["domain"] == "Weather"
    assert last.meta["dialogue_domains"] == ["Movies", "Weather"]
    assert spanless[0].meta["dialogue_domains"] == ["Movies", "Weather"]


def test_span_files_trim_spaces_strip_possessives_and_dedupe_dev(tmp_path):
    def rec(text, start, end, label):
        return json.dumps({"intent": "x", "text": text,
                           "spans": [{"start": start, "end": end, "text": text[start:end], "label": label}]})

    (tmp_path / "snips_train.jsonl").write_text(rec("play it on vimeo ", 11, 17, "service") + "\n")
    (tmp_path / "snips_validate.jsonl").write_text(rec("Play it on Vimeo", 11, 16, "service") + "\n"
                                                    + rec("rate this book", 10, 14, "object_type") + "\n")
    (ex,) = read_snips(tmp_path, "train")
    assert [ex.text[s:e] for s, e, _ in ex.spans] == ["vimeo"]
    assert [ex.text for ex in read_snips(tmp_path, "dev")] == ["rate this book"]

    (tmp_path / "slurp_test.jsonl").write_text(rec("email john's boss", 6, 12, "person") + "\n")
    (ex,) = read_slurp(tmp_path, "train")
    assert [ex.text[s:e] for s, e, _ in ex.spans] == ["john"]


SECRET = "Zanzibar-Quokka"


@pytest.mark.parametrize("reader, name, content, match", [
    (read_sgd, "sgd_spans_train.jsonl.gz", ["{not json"], r":1: invalid JSON"),
    (read_sgd, "sgd_spans_train.jsonl.gz",
     [_turn("1_1", 0, SECRET, [{"start": 0, "end": 99, "slot": "city", "service": "Weather_1"}])], "outside the text"),
    (read_sgd, "sgd_spans_train.jsonl.gz",
     [_turn("1_1", 0, SECRET, [{"start": 0, "end": 3, "text": "Zzz", "slot": "city", "service": "Weather_1"}])],
     "recorded surface"),
    (read_sgd, "sgd_spans_train.jsonl.gz",
     [_turn("1_1", 0, SECRET), _turn("1_2", 0, SECRET), _turn("1_1", 1, SECRET)], ":3: .*not contiguous"),
    (read_sgd, "sgd_spans_train.jsonl.gz", [json.dumps({"dialogue_id": "1_1", "text": SECRET})], "'turn'"),
    (read_snips, "snips_train.jsonl",
     [json.dumps({"text": SECRET, "spans": [{"start": 5, "end": 2, "label": "city"}]})], "outside the text"),
    (read_snips, "snips_train.jsonl", [json.dumps({"intent": "x", "spans": []})], "string 'text'"),
    (read_slurp, "slurp_test.jsonl",
     [json.dumps({"text": SECRET, "spans": [{"start": 0, "end": 3}]}), "oops"], ":1: a span needs"),
])
def test_malformed_files_raise_data_error_without_text(tmp_path, reader, name, content, match):
    path = tmp_path / name
    if name.endswith(".gz"):
        _write_gz(path, content)
    else:
        path.write_text("\n".join(content) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=match) as err:
        list(reader(tmp_path, "train"))
    assert SECRET not in str(err.value)


@pytest.mark.parametrize("reader", [read_sgd, read_snips, read_slurp])
def test_test_split_is_never_read(tmp_path, reader):
    with pytest.raises(DataError, match="unknown split"):
        list(reader(tmp_path, "test"))


def test_sgd_file_that_is_not_gzip(tmp_path):
    (tmp_path / "sgd_spans_train.jsonl.gz").write_text(_turn("1_1", 0, "hello") + "\n")
    with pytest.raises(DataError, match="cannot read"):
        list(read_sgd(tmp_path, "train"))
