"""Synthetic PII documents with exact spans, from our own template families.

    from jpt_redact.train.synth import generate, generate_for_policy
    train = generate(10_000, seed=0)               # all labels, train families
    dev = generate(1_000, seed=1, split="dev")     # held-out families
"""
from __future__ import annotations

from .families import DEV_FRACTION, FAMILIES, dev_family_ids, families_for, load_all
from .generator import (
    ALIASES,
    GENERATOR_LABELS,
    NO_PII_SHARE,
    family_labels,
    generate,
    generate_for_policy,
    map_policy_labels,
)
from .labels import PARENT, ancestors
from .values import LOCALES

load_all()  # register the template families (cheap: Faker loads only when values are drawn)

__all__ = [
    "ALIASES", "DEV_FRACTION", "FAMILIES", "GENERATOR_LABELS", "LOCALES", "NO_PII_SHARE", "PARENT", "ancestors", "dev_family_ids",
    "families_for", "family_labels", "generate", "generate_for_policy", "map_policy_labels",
]
