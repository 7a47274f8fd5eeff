"""The `id_numbers` training source: python-stdnum schemes as types, valid values, held-out countries."""
from __future__ import annotations

import importlib

import pytest

from jpt_redact.train.synth import id_numbers as ids


def _validator(label: str):
    scheme = next(s for s in ids.schemes() + ids.schemes(held_out=True) if s.label == label)
    return importlib.import_module(f"stdnum.{scheme.module}").is_valid


def test_training_and_held_out_schemes_are_disjoint_by_country():
    train, held = ids.schemes(), ids.schemes(held_out=True)
    assert len(train) >= 150, "python-stdnum should give ~160 trainable schemes"
    assert held
    assert {s.module.split(".")[0] for s in held} <= ids.HELD_OUT_COUNTRIES
    assert not {s.module.split(".")[0] for s in train} & ids.HELD_OUT_COUNTRIES
    assert len({s.label for s in train + held}) == len(train) + len(held)


def test_every_annotated_value_passes_its_schemes_validator():
    docs = ids.generate_ids(300, seed=5)
    assert len(docs) == 300
    held = {s.label for s in ids.schemes(held_out=True)}
    for ex in docs:
        assert ex.source == ids.SOURCE and ex.spans
        for s, e, label in ex.spans:
            assert label not in held
            value = ex.text[s:e]
            assert value == value.strip() and _validator(label)(value), (label, value)


def test_generation_is_deterministic_and_groups_share_a_few_schemes():
    a, b = ids.generate_ids(48, seed=9), ids.generate_ids(48, seed=9)
    assert [(x.text, x.spans) for x in a] == [(x.text, x.spans) for x in b]
    assert [x.text for x in ids.generate_ids(48, seed=10)] != [x.text for x in a]
    # a document whose value cannot be drawn is skipped, so 24 documents span at most two blocks
    first_group = {lab for ex in a[:24] for *_, lab in ex.spans}
    assert 2 <= len(first_group) <= 16


def test_definitions_say_what_it_is_and_how_it_is_written():
    for s in ids.schemes()[:40]:
        primary, *others = ids.definitions(s)
        assert s.examples[0] in primary and "not its name" in primary
        assert others and all(d.strip() for d in others)


@pytest.mark.parametrize("source, banned_labels", [
    ("id_numbers", {"PERSON", "LOCATION", "NATIONAL_ID", "US_SSN", "EMAIL_ADDRESS"}),
    ("synth", {"BR_CPF", "DE_IDNR", "AR_CUIT"}),
])
def test_negatives_never_clash_with_unannotated_values(source, banned_labels):
    from jpt_redact.train.config import TrainConfig
    from jpt_redact.train.sources import build_pool

    cfg = TrainConfig(output_dir="x", sources=[{"corpus": "id_numbers", "max_examples": 10}], group_size=8)
    pool, mappings = build_pool(cfg)
    assert "DE_IDNR" in pool.defs and "id_numbers" in mappings
    assert not {s.label for s in ids.schemes(held_out=True)} & set(pool.defs), "held-out schemes leak into training"
    negatives = set(pool.negatives_for(source))
    assert negatives, source
    assert not negatives & banned_labels


def test_pool_leaves_id_schemes_out_unless_configured():
    from jpt_redact.train.config import TrainConfig
    from jpt_redact.train.sources import build_pool

    pool, _ = build_pool(TrainConfig(output_dir="x", sources=[{"corpus": "synth", "max_examples": 10}]))
    assert "DE_IDNR" not in pool.defs


def test_documents_are_the_same_under_any_hash_seed():
    """Value pools once depended on the process's hash seed (Faker's it_IT cities)."""
    import os
    import subprocess
    import sys

    code = ("import hashlib; from jpt_redact.train.synth.id_numbers import generate_ids; "
            "d = generate_ids(120, seed=13); print(hashlib.sha256(repr([(x.text, x.spans) for x in d]).encode()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(outs) == 1
