"""Group examples under one sampled type set, so the definitions prefix is computed once per group.

The paper samples a type set per example: the types present plus absent "negative" types,
with paraphrased definitions, so that the model learns to read definitions rather than
memorise label names. On a 2-core CPU the prompt prefix (definitions) dominates the cost
of short examples, so we sample per *group* of examples from the same source: the set is
the union of labels present in the group (each dropped with a small probability: its
spans then become O, teaching that only defined types are tagged) plus negatives drawn
from other sources, each with a randomly chosen paraphrase.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from ..data import Example
from .label_defs import LabelDef


@dataclass
class Group:
    source: str
    types: dict[str, str]  # label -> definition shown in the prompt
    examples: list[Example]  # spans restricted to `types`


@dataclass
class LabelPool:
    """All known labels with their definitions, and which kinds each source must not use as negatives."""

    defs: dict[str, list[str]]  # canonical label -> definitions (paraphrases)
    kinds: dict[str, str]  # canonical label -> kind
    source_labels: dict[str, set[str]]  # source -> canonical labels it annotates
    excluded_kinds: dict[str, set[str]]  # source -> kinds never used as negatives

    def negatives_for(self, source: str) -> list[str]:
        own = self.source_labels.get(source, set())
        banned = self.excluded_kinds.get(source, set())
        return sorted(lab for lab in self.defs if lab not in own and self.kinds.get(lab) not in banned)


def canonicalize(example: Example, mapping: dict[str, LabelDef]) -> Example:
    """Raw corpus labels -> canonical labels; spans with unknown labels are dropped."""
    spans = [(s, e, mapping[lab].label) for s, e, lab in example.spans if lab in mapping]
    return Example(example.text, spans, None, example.source, dict(example.meta))


def make_groups(
    examples: Sequence[Example],
    pool: LabelPool,
    rng: random.Random,
    *,
    group_size: int = 8,
    max_types: int = 12,
    negatives: tuple[int, int] = (2, 6),
    drop_label_prob: float = 0.08,
    extra_defs: dict[str, list[str]] | None = None,
    per_group=None,
) -> list[Group]:
    """Shuffle within each source and cut into groups; one type set per group.

    `per_group(chunk, rng) -> chunk` may relabel a group's examples before its type set is drawn.
    """
    by_source: dict[str, list[Example]] = {}
    for ex in examples:
        by_source.setdefault(ex.source, []).append(ex)
    groups: list[Group] = []
    for source, items in sorted(by_source.items()):
        items = list(items)
        rng.shuffle(items)
        neg_pool = pool.negatives_for(source)
        for g0 in range(0, len(items), group_size):
            chunk = items[g0 : g0 + group_size]
            if per_group is not None:  # e.g. one level per label hierarchy for the whole group
                chunk = per_group(chunk, rng)
            present = sorted({lab for ex in chunk for _, _, lab in ex.spans})
            kept = [lab for lab in present if rng.random() >= drop_label_prob]
            if len(kept) > max_types - negatives[0]:
                kept = rng.sample(kept, max_types - negatives[0])
            n_neg = min(rng.randint(*negatives), max_types - len(kept), len(neg_pool))
            chosen = kept + rng.sample(neg_pool, n_neg)
            if not chosen:
                chosen = rng.sample(neg_pool, 1)
            rng.shuffle(chosen)
            types = {}
            for lab in chosen:
                options = list(pool.defs[lab]) + list((extra_defs or {}).get(lab, []))
                types[lab] = rng.choice(options)
            keep = set(types)
            exs = [Example(ex.text, [s for s in ex.spans if s[2] in keep], None, ex.source) for ex in chunk]
            groups.append(Group(source, types, exs))
    rng.shuffle(groups)
    return groups
