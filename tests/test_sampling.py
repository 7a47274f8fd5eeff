"""Type-set sampling: present labels, safe negatives, dropped labels, hierarchy levels, determinism."""
from __future__ import annotations

import random

import pytest

from jpt_redact.errors import DataError
from jpt_redact.data import Example
from jpt_redact.train.label_defs import load_corpus_definitions
from jpt_redact.train.sampling import TypeSampler, sample_type_set


@pytest.fixture(scope="module")
def sampler():
    return TypeSampler()


def _btc():
    return Example("Obama met Merkel in Berlin", [(0, 5, "PER"), (10, 16, "PER"), (20, 26, "LOC")], None, "btc")


def test_present_labels_become_canonical_with_definitions(sampler):
    out = sampler.sample(_btc(), random.Random(0), drop_label_prob=0.0)
    assert [lab for *_, lab in out.spans] == ["PERSON", "PERSON", "LOCATION"]
    assert {"PERSON", "LOCATION"} <= set(out.types)
    defs = load_corpus_definitions()["btc"].labels
    assert out.types["PERSON"] in defs["PER"].definitions
    assert 2 <= len(out.meta["negatives"]) <= 6
    assert len(out.types) == 2 + len(out.meta["negatives"])


def test_negatives_are_safe_for_the_corpus(sampler):
    excluded = load_corpus_definitions()["btc"].exclude_negative_kinds
    kinds = {ld.label: ld.kind for c in load_corpus_definitions().values() for ld in c.labels.values()}
    text = "mail me at bob@example.org or call 555 123 4567"
    ex = Example(text, [], None, "btc")
    seen = set()
    for i in range(200):
        out = sampler.sample(ex, random.Random(i))
        for lab in out.meta["negatives"]:
            seen.add(lab)
            # btc's own labels are exhaustively annotated, so they are always safe
            assert lab in {"PERSON", "LOCATION", "ORGANIZATION"} or kinds[lab] not in excluded
    # the text could hold an e-mail, a phone number or a username: never offered as negatives
    assert not seen & {"EMAIL_ADDRESS", "PHONE_NUMBER", "USERNAME", "US_SSN", "CREDIT_CARD"}
    assert "ORGANIZATION" in seen  # an own label absent from the example is a true negative


def test_hard_negatives_from_pii(sampler):
    pii = set(load_corpus_definitions()["pii"].labels)
    ex = Example("the cathedral of learning is closed today", [(4, 26, "location")], None, "wnut17")
    hits = sum(bool(set(sampler.sample(ex, random.Random(i), hard_negative_prob=1.0).meta["negatives"]) & pii) for i in range(50))
    assert hits == 50


def test_dropped_label_spans_become_o(sampler):
    out = sampler.sample(_btc(), random.Random(1), drop_label_prob=1.0)
    assert out.spans == [] and "PERSON" not in out.types and "LOCATION" not in out.types
    assert set(out.meta["dropped_labels"]) == {"PERSON", "LOCATION"}


def test_max_types_respected(sampler):
    text = " ".join(["w"] * 40)
    spans = [(2 * i, 2 * i + 1, lab) for i, lab in enumerate(sorted(load_corpus_definitions()["multiconer2"].labels))]
    ex = Example(text, spans[:20], None, "multiconer2")
    for i in range(20):
        out = sampler.sample(ex, random.Random(i), max_types=8, negatives=(2, 3), drop_label_prob=0.0)
        assert len(out.types) <= 8
        assert {lab for *_, lab in out.spans} <= set(out.types)


def test_pii_hierarchy_levels_are_consistent(sampler):
    text = "DOB 01/02/1960, admitted 3/4, logged 2024-01-01T10:00Z"
    ex = Example(text, [(4, 14, "DATE_OF_BIRTH"), (25, 28, "DATE"), (37, 54, "DATE_TIME")], None, "synth")
    levels = set()
    for i in range(60):
        out = sampler.sample(ex, random.Random(i), drop_label_prob=0.0)
        labs = {lab for *_, lab in out.spans}
        assert len(labs) == 1  # one level of the date hierarchy per example
        (level,) = labs
        levels.add(level)
        n = {"DATE_OF_BIRTH": 1, "DATE": 2, "DATE_TIME": 3}[level]
        assert len(out.spans) == n
        # the other date levels are neither positives nor negatives
        assert not ({"DATE_OF_BIRTH", "DATE", "DATE_TIME"} - {level}) & set(out.types)
    assert levels == {"DATE_OF_BIRTH", "DATE", "DATE_TIME"}


def test_unannotated_labels_never_negatives(sampler):
    ex = Example("Bus leaves at 09:15 from platform 3.", [], None, "synth", meta={"unannotated": ["DATE_TIME"]})
    for i in range(100):
        out = sampler.sample(ex, random.Random(i))
        assert not {"DATE_TIME", "DATE", "DATE_OF_BIRTH"} & set(out.types)


def test_paraphrase_probability(sampler):
    primary = load_corpus_definitions()["btc"].labels["PER"].definitions[0]
    ex = Example("Ann", [(0, 3, "PER")], None, "btc")
    never = [sampler.sample(ex, random.Random(i), paraphrase_prob=0.0, drop_label_prob=0.0).types["PERSON"] for i in range(10)]
    always = [sampler.sample(ex, random.Random(i), paraphrase_prob=1.0, drop_label_prob=0.0).types["PERSON"] for i in range(10)]
    assert set(never) == {primary} and primary not in always


def test_deterministic_given_rng():
    a = sample_type_set(_btc(), None, random.Random(42))
    b = sample_type_set(_btc(), None, random.Random(42))
    assert (a.types, a.spans) == (b.types, b.spans)
    assert list(a.types) == list(b.types)


def test_unknown_source_or_label(sampler):
    with pytest.raises(DataError, match="no label definitions"):
        sampler.sample(Example("x y", [(0, 1, "FOO")], None, "mystery"), random.Random(0))
    with pytest.raises(DataError, match="no definition for label"):
        sampler.sample(Example("x y", [(0, 1, "FOO")], None, "btc"), random.Random(0))


def test_choose_levels_fixed_and_sampled():
    from jpt_redact.train.sampling import choose_levels, hierarchy_groups, sample_levels

    text = "DOB 01/02/1960, admitted 3/4 at 10:00, age 93"
    ex = Example(text, [(4, 14, "DATE_OF_BIRTH"), (25, 28, "DATE"), (32, 37, "DATE_TIME"), (43, 45, "AGE_OVER_89")], None, "synth")
    out = choose_levels(ex, random.Random(0), {"DATE_TIME": "DATE", "AGE": "AGE"})
    assert [lab for *_, lab in out.spans] == ["DATE", "DATE", "AGE"]  # the bare time is outside DATE
    assert out.meta["levels"] == {"DATE_TIME": "DATE", "AGE": "AGE"}
    narrow = choose_levels(ex, random.Random(0), {"DATE_TIME": "DATE_OF_BIRTH", "AGE": "AGE_OVER_89"})
    assert [lab for *_, lab in narrow.spans] == ["DATE_OF_BIRTH", "AGE_OVER_89"]
    with pytest.raises(DataError, match="not a level"):
        choose_levels(ex, random.Random(0), {"DATE_TIME": "AGE"})
    levels = sample_levels(random.Random(3))
    assert set(levels) == set(hierarchy_groups()) and all(levels[r] in hierarchy_groups()[r] for r in levels)
    sampled = choose_levels(ex, random.Random(5))
    for root, members in hierarchy_groups().items():
        assert len({lab for *_, lab in sampled.spans} & members) <= 1
