"""Training sources: corpora and the synthetic generator as canonical-label examples, and the label pool.

Shared by both training loops (heads only in `loop.py`, LoRA in `lora_run.py`).
"""
from __future__ import annotations

import random
from typing import Any

from ..data import Example
from ..errors import DataError
from .config import TrainConfig
from .corpora import load_corpus
from .groups import LabelPool, canonicalize
from .label_defs import load_corpus_definitions

# python-stdnum's identifier schemes; their definitions are built at run time (stdnum loads lazily)
from .synth.id_numbers import SOURCE as ID_SOURCE


def build_pool(cfg: TrainConfig) -> tuple[LabelPool, dict[str, Any]]:
    corpora = dict(load_corpus_definitions())
    if any(src.corpus == ID_SOURCE for src in cfg.sources):
        from .synth.id_numbers import corpus_definitions

        corpora[ID_SOURCE] = corpus_definitions()
    defs: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    source_labels: dict[str, set[str]] = {}
    excluded: dict[str, set[str]] = {}
    mappings = {}
    for name, cd in corpora.items():
        source = "synth" if name == "pii" else name
        mappings[source] = cd.labels
        excluded[source] = set(cd.exclude_negative_kinds)
        for raw, ld in cd.labels.items():
            defs.setdefault(ld.label, [])
            defs[ld.label].extend(d for d in ld.definitions if d not in defs[ld.label])
            kinds.setdefault(ld.label, ld.kind)
            source_labels.setdefault(source, set()).add(ld.label)
    return LabelPool(defs, kinds, source_labels, excluded), mappings


def policy_definitions(names: list[str]) -> dict[str, list[str]]:
    from ..policy import load_policy

    extra: dict[str, list[str]] = {}
    for name in names:
        for label, et in load_policy(name).entities.items():
            if et.model:
                extra.setdefault(label, []).append(et.definition)
    return extra


def load_source(cfg: TrainConfig, src, mappings: dict) -> list[Example]:
    rng = random.Random(f"{cfg.seed}:{src.corpus}")
    if src.corpus == "synth":
        from .synth import generate

        items = list(generate(src.max_examples, seed=cfg.seed, split="train"))
        for ex in items:
            ex.source = "synth"
        return items
    if src.corpus == ID_SOURCE:
        from .synth.id_numbers import generate_ids

        return generate_ids(src.max_examples, seed=cfg.seed)
    if src.corpus not in mappings:
        raise DataError(f"no label definitions for corpus {src.corpus!r}")
    items = [canonicalize(ex, mappings[src.corpus]) for ex in load_corpus(src.corpus, "train")]
    rng.shuffle(items)
    return items[: src.max_examples]


def _one_level_per_hierarchy(chunk, rng):
    """Synthetic labels nest (DATE_OF_BIRTH < DATE < DATE_TIME, VIN < VEHICLE_ID, ...): a type set
    holding two levels of one hierarchy would have overlapping definitions, so each group
    shows one level (spans outside it become O, as its definition excludes them)."""
    from .sampling import choose_levels

    levels = {root: rng.choices(list(weights), weights=list(weights.values()))[0]
              for root, weights in _LEVEL_WEIGHTS.items()}
    return [choose_levels(ex, rng, levels) for ex in chunk]


# The broad level is what policies mostly ask for, so it is shown most often; the narrow
# levels teach the model that a definition's exclusions matter.
_LEVEL_WEIGHTS = {
    "PERSON": {"PERSON": 0.85, "CARDHOLDER_NAME": 0.15},
    "DATE_TIME": {"DATE_TIME": 0.5, "DATE": 0.35, "DATE_OF_BIRTH": 0.15},
    "AGE": {"AGE": 0.7, "AGE_OVER_89": 0.3},
    "VEHICLE_ID": {"VEHICLE_ID": 0.5, "VIN": 0.25, "LICENSE_PLATE": 0.25},
}
