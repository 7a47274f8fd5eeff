"""Synthetic PII generator: exact offsets, determinism, label restriction, dev split by family."""
from __future__ import annotations

import re
from collections import Counter

import pytest

from jpt_redact.errors import DataError
from jpt_redact.train.label_defs import load_definitions
from jpt_redact.train.synth import (
    FAMILIES,
    GENERATOR_LABELS,
    LOCALES,
    dev_family_ids,
    families_for,
    family_labels,
    generate,
    generate_for_policy,
    map_policy_labels,
)
from jpt_redact.train.synth.compose import Doc
from jpt_redact.train.synth.labels import Resolution, refine
from jpt_redact.train.synth.values import Values, luhn_complete


@pytest.fixture(scope="module")
def sample():
    return generate(1500, seed=7)


def test_spans_are_exact_and_trimmed(sample):
    for ex in sample:
        last_end = -1
        for s, e, lab in ex.spans:
            assert 0 <= s < e <= len(ex.text)
            value = ex.text[s:e]
            assert value == value.strip() and value
            assert lab in GENERATOR_LABELS
            assert s >= last_end, "spans must not overlap"
            last_end = e


def test_value_shapes(sample):
    by_label: dict[str, list[str]] = {}
    for ex in sample:
        for s, e, lab in ex.spans:
            by_label.setdefault(lab, []).append(ex.text[s:e])
    assert all("@" in v for v in by_label["EMAIL_ADDRESS"])
    assert all(re.fullmatch(r"\d{3}[- ]?\d{2}[- ]?\d{4}", v) for v in by_label["US_SSN"])
    for cc in by_label["CREDIT_CARD"]:
        digits = re.sub(r"\D", "", cc)
        assert luhn_complete(digits[:-1]) == digits
    assert all(len(v) == 17 for v in by_label["VIN"])
    assert all(int(re.search(r"\d+", v).group()) >= 90 for v in by_label["AGE_OVER_89"])


def test_every_label_is_generated_and_defined(sample):
    seen = {lab for ex in sample for *_, lab in ex.spans}
    abstract = {"VEHICLE_ID"}  # only emitted as VIN / LICENSE_PLATE unless asked for by name
    assert seen == GENERATOR_LABELS - abstract
    assert set(load_definitions()["pii"]) == GENERATOR_LABELS


def test_unrestricted_generation_leaves_nothing_unannotated(sample):
    assert not any(ex.meta.get("unannotated") for ex in sample)


def test_variety_and_no_pii_share(sample):
    assert len(FAMILIES) >= 40
    fams = Counter(ex.meta["family"] for ex in sample)
    assert len(fams) >= 40
    no_pii = sum(1 for ex in sample if not ex.spans) / len(sample)
    assert 0.15 <= no_pii <= 0.3
    assert {ex.meta["locale"] for ex in sample} == set(LOCALES)
    lengths = sorted(len(ex.text) for ex in sample)
    assert 60 <= lengths[len(lengths) // 2] <= 600


def test_deterministic_and_seed_sensitive():
    a = generate(50, seed=3)
    b = generate(50, seed=3)
    c = generate(50, seed=4)
    assert [(x.text, x.spans) for x in a] == [(x.text, x.spans) for x in b]
    assert [x.text for x in a] != [x.text for x in c]


def test_dev_split_holds_out_whole_families():
    dev = dev_family_ids()
    assert 0.1 <= len(dev) / len(FAMILIES) <= 0.2
    assert any(not FAMILIES[f].pii for f in dev) and any(FAMILIES[f].pii for f in dev)
    train_ids = {f.id for f in families_for("train")}
    assert not (train_ids & dev) and train_ids | dev == set(FAMILIES)
    assert {ex.meta["family"] for ex in generate(200, seed=1, split="dev")} <= dev
    assert not {ex.meta["family"] for ex in generate(200, seed=1)} & dev
    with pytest.raises(DataError):
        generate(1, seed=1, split="test")


def test_label_restriction_uses_stand_ins():
    exs = generate(300, seed=5, labels={"PHONE_NUMBER", "PERSON"})
    labs = Counter(lab for ex in exs for *_, lab in ex.spans)
    assert set(labs) == {"PHONE_NUMBER", "PERSON"}
    assert labs["PHONE_NUMBER"] >= 60  # label-balanced family choice keeps the rarer label frequent
    # values of unwanted labels were replaced by stand-ins, not left unannotated in the text
    email = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}")
    iban = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,}")
    for ex in exs:
        assert not email.search(ex.text) and not iban.search(ex.text)


def test_hierarchy_broad_and_narrow_requests():
    broad = generate(300, seed=2, labels={"DATE_TIME"})
    assert {lab for ex in broad for *_, lab in ex.spans} == {"DATE_TIME"}
    narrow = generate(300, seed=2, labels={"DATE_OF_BIRTH"})
    assert {lab for ex in narrow for *_, lab in ex.spans} == {"DATE_OF_BIRTH"}
    # other dates stay as text and are declared unannotated, so samplers never use them as negatives
    assert any("DATE" in ex.meta.get("unannotated", ()) for ex in narrow)
    assert refine("AGE", "93-year-old") == "AGE_OVER_89" and refine("AGE", "45 yo") == "AGE"
    assert refine("VEHICLE_ID", "1HGCM82633A004352") == "VIN" and refine("VEHICLE_ID", "AB12 CDE") == "LICENSE_PLATE"


def test_doc_composition_offsets_and_stand_ins():
    import random

    v = Values(random.Random(0), "en_US")
    d = Doc(v, Resolution({"PERSON"}))
    d.f("Dear {n:PERSON}, mail {e:EMAIL_ADDRESS} at {t:DATE_TIME}.", n="Ann Lee", e="ann@x.org", t="9am")
    text = "".join(d.parts)
    assert d.spans == [(5, 12, "PERSON")]
    assert "ann@x.org" not in text and "9am" in text
    assert d.unannotated == {"DATE_TIME"}


def test_unknown_labels_and_locales_rejected():
    with pytest.raises(DataError, match="cannot emit"):
        generate(1, seed=0, labels={"SHOE_SIZE"})
    with pytest.raises(DataError, match="locale"):
        generate(1, seed=0, locales=["xx_XX"])


def test_generate_for_policy_maps_and_reports(caplog):
    mapping, unknown = map_policy_labels(["PERSON", "SSN", "ONLINE_IDENTIFIER", "FAVOURITE_COLOUR"])
    assert mapping["SSN"] == ("US_SSN",) and "USERNAME" in mapping["ONLINE_IDENTIFIER"]
    assert unknown == ["FAVOURITE_COLOUR"]
    exs = generate_for_policy(["PERSON", "SSN", "FAVOURITE_COLOUR"], 200, seed=1)
    labs = {lab for ex in exs for *_, lab in ex.spans}
    assert labs == {"PERSON", "SSN"}
    assert exs[0].meta["ungenerated_labels"] == ["FAVOURITE_COLOUR"]
    assert "FAVOURITE_COLOUR" in caplog.text


def test_generate_for_builtin_policy():
    exs = generate_for_policy("pci", 100, seed=0)
    labs = {lab for ex in exs for *_, lab in ex.spans}
    assert {"CREDIT_CARD", "CARDHOLDER_NAME"} <= labs <= {"CREDIT_CARD", "CARDHOLDER_NAME", "CARD_EXPIRY", "CVV"}


def test_probe_labels_cover_families():
    probe = family_labels()
    assert all(probe[f.id] for f in FAMILIES.values() if f.pii)
    assert not any(probe[f.id] for f in FAMILIES.values() if not f.pii)
