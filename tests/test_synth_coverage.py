"""Coverage families: ages, bare years, postcodes, international addresses, non-Latin names, hard negatives."""
from __future__ import annotations

import random
import re

import pytest

from jpt_redact.train.synth import FAMILIES, dev_family_ids, generate
from jpt_redact.train.synth.compose import Doc
from jpt_redact.train.synth.fam_coverage import SCRIPTS, age_phrase, intl_address, script_name
from jpt_redact.train.synth.labels import Resolution, refine
from jpt_redact.train.synth.values import Values

COVERAGE = {fid for fid in FAMILIES if fid.startswith("coverage.")}
_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
_NEGATIVE = re.compile(r"\d+(?:\.\d+)?\s?(?:%|mg\b|mL\b|cm\b|mm\b|kg\b|mcg)|\bBP \d+/\d+|\bversion \d+\.\d+|\bv\d+\.\d+\.\d+")
_DATES = {"DATE", "DATE_TIME", "DATE_OF_BIRTH"}


@pytest.fixture(scope="module")
def train():
    return generate(300, seed=11)


@pytest.fixture(scope="module")
def coverage_docs():
    return [ex for ex in generate(1200, seed=12, split="all") if ex.meta["family"] in COVERAGE]


def _spans(exs, label=None):
    return [(ex, ex.text[s:e], lab) for ex in exs for s, e, lab in ex.spans if label in (None, lab)]


def test_families_registered_and_some_in_dev():
    assert 12 <= len(COVERAGE) <= 20
    dev = dev_family_ids()
    assert COVERAGE & dev and COVERAGE - dev


def test_spans_exact(coverage_docs):
    assert len({ex.meta["family"] for ex in coverage_docs}) == len(COVERAGE)
    for ex in coverage_docs:
        last = -1
        for s, e, lab in ex.spans:
            value = ex.text[s:e]
            assert value and value == value.strip() and s >= last
            assert refine(lab, value) == lab  # spans carry their finest label
            last = e


@pytest.mark.parametrize("label, shape", [
    ("AGE", r".*\d.*|(?:early |mid |late )?\w+ties"),
    ("AGE_OVER_89", r"\D*(?:9\d|1\d\d)\D*"),
    ("STREET_ADDRESS", r"(?s).*\S.*"),
    ("DATE_TIME", r".*"),
])
def test_each_new_class_appears_in_300_train_docs(train, label, shape):
    cov = [ex for ex in train if ex.meta["family"] in COVERAGE]
    values = [v for _, v, _ in _spans(cov, label)]
    assert values and all(re.fullmatch(shape, v) for v in values)


def test_train_sample_has_years_postcodes_multiline_and_nonlatin(train):
    spans = _spans([ex for ex in train if ex.meta["family"] in COVERAGE])
    assert any(lab == "DATE_TIME" and re.fullmatch(r"(?:19|20)\d\d", v) for _, v, lab in spans)
    assert any(lab == "STREET_ADDRESS" and "\n" in v for _, v, lab in spans)
    assert any(lab == "STREET_ADDRESS" and re.fullmatch(r"[A-Z0-9]{2,4} ?[0-9A-Z]{2,4}|\d{4,6}(?:-\d{4})?", v) for _, v, lab in spans)
    assert any(lab == "PERSON" and _NON_LATIN.search(v) for _, v, lab in spans)
    assert any(lab == "LOCATION" and _NON_LATIN.search(v) for _, v, lab in spans)


def test_measurements_percentages_doses_never_dates(train, coverage_docs):
    seen = 0
    for ex in train + coverage_docs:
        dates = [(s, e) for s, e, lab in ex.spans if lab in _DATES]
        for m in _NEGATIVE.finditer(ex.text):
            seen += 1
            assert not any(s < m.end() and m.start() < e for s, e in dates), m.group()
    assert seen > 100
    assert any("90%" in ex.text for ex in coverage_docs) and any(" mg" in ex.text for ex in coverage_docs)


def test_ages_under_90_never_over_89(coverage_docs):
    ages = [(v, lab) for _, v, lab in _spans(coverage_docs) if lab in ("AGE", "AGE_OVER_89")]
    nums = [(int(m.group()), lab) for v, lab in ages if (m := re.search(r"\d+", v))]
    assert all((n >= 90) == (lab == "AGE_OVER_89") for n, lab in nums)
    assert any(85 <= n <= 89 for n, _ in nums) and any(n >= 90 for n, _ in nums)
    assert refine("AGE", "72-year-old") == "AGE" and refine("AGE", "89 y/o") == "AGE" and refine("AGE", "90 y/o") == "AGE_OVER_89"


def test_bare_year_stays_date_time():
    assert refine("DATE_TIME", "1962") == "DATE_TIME" and refine("DATE_TIME", "14:05") == "DATE_TIME"
    assert refine("DATE_TIME", "03/14/1962") == "DATE"


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_nonlatin_names_are_person_spans(script):
    v = Values(random.Random(script), "en_US")
    d = Doc(v, Resolution(None))
    name = script_name(v, script)
    d.f("Patient {n:PERSON} seen.", n=name)
    assert _NON_LATIN.search(name)
    assert d.spans == [(8, 8 + len(name), "PERSON")] and d.text()[8:8 + len(name)] == name


def test_nonlatin_names_in_generated_docs(coverage_docs):
    persons = [v for _, v, lab in _spans(coverage_docs, "PERSON") if _NON_LATIN.search(v)]
    assert len(persons) >= 50
    # every non-Latin run in a coverage document is inside some span
    for ex in coverage_docs:
        for m in _NON_LATIN.finditer(ex.text):
            assert any(s <= m.start() < e for s, e, _ in ex.spans), ex.meta["family"]


def test_intl_addresses_multiline_and_one_line():
    v = Values(random.Random(3), "en_US")
    multi = [intl_address(v, multiline=True) for _ in range(60)]
    one = [intl_address(v, multiline=False) for _ in range(60)]
    assert all("\n" in a for a in multi) and not any("\n" in a for a in one)
    assert any(a.startswith("〒") for a in multi + one)


def test_age_phrase_respects_range():
    v = Values(random.Random(5), "en_US")
    assert all(int(re.search(r"\d+", age_phrase(v, 1, 17)).group()) <= 17 for _ in range(300))
