"""Type-set sampling: give each training example its own set of entity types with definitions.

As in the JPT paper, the model never sees a fixed label vocabulary. For every example we draw
a set of types: the (canonical) labels present in it plus a few absent "negative" types, each
with one of its definitions (a paraphrase with `paraphrase_prob`). Spans keep only labels in
the set. Three extra moves teach the model to tag only what the definitions ask for:

- hard negatives: PII types (EMAIL_ADDRESS, IBAN_CODE, ...) as negatives for corpus examples;
- dropped labels: sometimes a present label is left out of the set and its spans become O;
- hierarchy levels (synthetic PII): a date of birth is shown as DATE_OF_BIRTH, DATE or
  DATE_TIME, and the spans outside the chosen level become O (their definitions exclude them).

A negative must really be absent, so a type is only a negative when (a) it is an unused label
of the example's own corpus (corpora annotate their labels exhaustively), or (b) its `kind` is
not excluded by the example's corpus (`exclude_negative_kinds` in the definitions YAML) and a
cheap surface check finds nothing in the text that could be one (no '@' for EMAIL_ADDRESS, ...).
"""
from __future__ import annotations

import random
import re
from dataclasses import replace
from typing import Mapping

from ..errors import DataError
from ..data import Example
from .label_defs import CorpusDefs, LabelDef, load_corpus_definitions

PII_CORPUS = "pii"
SOURCE_ALIASES = {"synth": PII_CORPUS, "sec-filings": "sec"}

# Surface checks: if the text matches, the PII type might be present unannotated, so it is not
# used as a negative for this example.
_DIGITS = re.compile(r"\d(?:[\s./-]?\d){4,}")
_MAY_CONTAIN: dict[str, re.Pattern] = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "URL": re.compile(r"https?:|www\.|\.(?:com|org|net|io|co)\b", re.I),
    "IP_ADDRESS": re.compile(r"\d+\.\d+\.\d+|[0-9a-f]{1,4}:[0-9a-f]{1,4}:", re.I),
    "USERNAME": re.compile(r"@\w|\buser(?:name)?\b|\blogin\b", re.I),
    "PASSWORD": re.compile(r"pass|pwd|\bpin\b", re.I),
    "API_KEY": re.compile(r"token|key|secret|[A-Za-z0-9_\-]{20,}", re.I),
    "CVV": re.compile(r"\b\d{3,4}\b"),
    "CARD_EXPIRY": re.compile(r"\d{1,2}\s*/\s*\d{2}"),
    "AGE": re.compile(r"\d|\bage", re.I),
    "AGE_OVER_89": re.compile(r"\b(?:9\d|1[01]\d)\b|ninet", re.I),
    "LICENSE_PLATE": re.compile(r"\b(?=[A-Z0-9 -]*\d)(?=[A-Z0-9 -]*[A-Z])[A-Z0-9]{2,4}[ -]?[A-Z0-9]{2,4}\b"),
}
_DIGIT_KINDS = {"identifier", "contact", "network", "secret", "date"}


def _may_contain(ld: LabelDef, text: str) -> bool:
    pat = _MAY_CONTAIN.get(ld.label)
    if pat is not None and pat.search(text):
        return True
    return ld.kind in _DIGIT_KINDS and bool(_DIGITS.search(text))


def hierarchy_groups() -> dict[str, frozenset[str]]:
    """Root label -> all labels of its hierarchy (e.g. DATE_TIME -> {DATE_TIME, DATE, DATE_OF_BIRTH})."""
    from .synth.labels import PARENT, ancestors

    out: dict[str, set[str]] = {}
    for lab in set(PARENT) | set(PARENT.values()):
        out.setdefault(ancestors(lab)[-1], set()).add(lab)
    return {k: frozenset(v) for k, v in out.items()}


def _apply_levels(spans: list, rng: random.Random, unannotated: set[str],
                  fixed: Mapping[str, str] | None) -> tuple[list, dict[str, str]]:
    """Relabel spans of each hierarchy group to one level; spans outside the level are dropped.

    Returns the new spans and {root: chosen level} for the groups present.
    """
    from .synth.labels import ancestors

    groups = hierarchy_groups()
    root_of = {lab: root for root, members in groups.items() for lab in members}
    present = sorted({lab for *_, lab in spans})
    chosen: dict[str, str] = {}
    relabel: dict[str, str | None] = {}
    for root in sorted({root_of[lab] for lab in present if lab in root_of}):
        group_present = [lab for lab in present if root_of.get(lab) == root]
        if fixed is not None and root in fixed:
            level = fixed[root]
            if level not in groups[root]:
                raise DataError(f"{level!r} is not a level of the {root} hierarchy")
        else:
            options = sorted({a for lab in group_present for a in ancestors(lab)} - unannotated)
            if not options:
                continue
            level = rng.choice(options)
        chosen[root] = level
        for lab in group_present:
            relabel[lab] = level if level in ancestors(lab) else None
    out = [(s, e, relabel.get(lab, lab)) for s, e, lab in spans if relabel.get(lab, lab) is not None]
    return out, chosen


def sample_levels(rng: random.Random) -> dict[str, str]:
    """One level per hierarchy group, uniformly (for sampling one type set for a group of examples)."""
    return {root: rng.choice(sorted(members)) for root, members in sorted(hierarchy_groups().items())}


def choose_levels(example: Example, rng: random.Random, levels: Mapping[str, str] | None = None) -> Example:
    """Show a synthetic PII example at one level per label hierarchy.

    The generator emits the finest labels (DATE_OF_BIRTH, DATE, DATE_TIME for times; AGE and
    AGE_OVER_89; VIN and LICENSE_PLATE; CARDHOLDER_NAME and PERSON). Putting several levels of
    one hierarchy into a type set would make their definitions overlap, so pick one level per
    group: spans under it take its label, spans outside it become O (its definition excludes
    them). `levels` (root -> level, e.g. from `sample_levels`) fixes the choice, so a group of
    examples can share one type set; otherwise a level is drawn among those present.
    Records the chosen levels in meta["levels"].
    """
    unannotated = set(example.meta.get("unannotated", ()))
    spans, chosen = _apply_levels(list(example.spans), rng, unannotated, levels)
    meta = dict(example.meta)
    meta["levels"] = chosen
    return replace(example, spans=spans, meta=meta)


class TypeSampler:
    """Precomputed pools over all corpora's definitions; `sample` draws one type set."""

    def __init__(self, corpus_defs: Mapping[str, CorpusDefs] | None = None):
        self.defs: dict[str, CorpusDefs] = dict(corpus_defs or load_corpus_definitions())
        # Every (corpus, LabelDef) once, in a fixed order for determinism.
        self.all: list[LabelDef] = [ld for c in sorted(self.defs) for _, ld in sorted(self.defs[c].labels.items())]

    def corpus_of(self, example: Example) -> CorpusDefs:
        name = SOURCE_ALIASES.get(example.source, example.source)
        if name in self.defs:
            return self.defs[name]
        labels = example.labels()
        if labels and labels <= set(self.defs.get(PII_CORPUS, CorpusDefs(PII_CORPUS, {})).labels):
            return self.defs[PII_CORPUS]
        raise DataError(f"no label definitions for source {example.source!r} (known: {', '.join(sorted(self.defs))})")

    def _group(self, label: str) -> set[str]:
        for members in hierarchy_groups().values():
            if label in members:
                return set(members)
        return {label}

    def _definition(self, ld: LabelDef, rng: random.Random, paraphrase_prob: float) -> str:
        if len(ld.definitions) > 1 and rng.random() < paraphrase_prob:
            return ld.definitions[rng.randrange(1, len(ld.definitions))]
        return ld.definitions[0]

    def sample(self, example: Example, rng: random.Random, *, max_types: int = 12, negatives: tuple[int, int] = (2, 6),
               paraphrase_prob: float = 0.7, drop_label_prob: float = 0.1, hard_negative_prob: float = 0.5) -> Example:
        corpus = self.corpus_of(example)
        own = corpus.labels
        missing = sorted(example.labels() - set(own))
        if missing:
            raise DataError(f"source {corpus.corpus!r}: no definition for label(s) {', '.join(missing)}")
        unannotated = set(example.meta.get("unannotated", ()))
        banned: set[str] = set()  # canonical labels that must not be negatives here
        for lab in unannotated:
            banned |= self._group(lab) if corpus.corpus == PII_CORPUS else {lab}

        # 1. Hierarchy levels (PII): per group present (dates, ages, vehicles, persons), show the
        #    example at one level; spans outside that level become O (its definition excludes them).
        spans = list(example.spans)
        if corpus.corpus == PII_CORPUS:
            spans, groups = _apply_levels(spans, rng, unannotated, None)
            for root, level in groups.items():
                banned |= hierarchy_groups()[root] - {level}
        present = sorted({lab for *_, lab in spans})

        # 2. Drop some present labels (spans become O); cap positives at max_types - min negatives.
        keep = [lab for lab in present if rng.random() >= drop_label_prob]
        rng.shuffle(keep)
        keep = sorted(keep[:max(1, max_types - negatives[0])] if keep else [])
        dropped = sorted(set(present) - set(keep))
        banned |= set(dropped)
        spans = [(s, e, lab) for s, e, lab in spans if lab in keep]

        # 3. Negatives.
        pos_defs = {lab: own[lab] for lab in keep}
        taken = {ld.label for ld in pos_defs.values()} | {own[lab].label for lab in dropped if lab in own} | banned
        k = min(rng.randint(*negatives), max_types - len(pos_defs))
        own_pool = [ld for raw, ld in sorted(own.items()) if raw not in present and ld.label not in taken
                    and raw not in banned]
        other_pool = [ld for ld in self.all if ld.corpus != corpus.corpus and ld.kind not in corpus.exclude_negative_kinds
                      and ld.label not in taken and not _may_contain(ld, example.text)]
        chosen: list[LabelDef] = []
        if corpus.corpus != PII_CORPUS and rng.random() < hard_negative_prob:
            hard = [ld for ld in other_pool if ld.corpus == PII_CORPUS]
            chosen += rng.sample(hard, min(len(hard), rng.randint(1, 2)))
        pool = own_pool + other_pool
        rng.shuffle(pool)
        for ld in pool:
            if len(chosen) >= k:
                break
            if ld.label not in {c.label for c in chosen}:
                chosen.append(ld)
        chosen = chosen[:max(0, k)]

        # 4. Definitions, in random order; spans renamed to canonical labels.
        entries = [(ld.label, ld) for ld in pos_defs.values()] + [(ld.label, ld) for ld in chosen]
        rng.shuffle(entries)
        types = {label: self._definition(ld, rng, paraphrase_prob) for label, ld in entries}
        out_spans = [(s, e, own[lab].label) for s, e, lab in spans]
        meta = dict(example.meta)
        meta.update({"corpus": corpus.corpus, "dropped_labels": [own[lab].label for lab in dropped],
                     "negatives": [ld.label for ld in chosen]})
        return replace(example, spans=out_spans, types=types, meta=meta)


_DEFAULT: TypeSampler | None = None


def sample_type_set(example: Example, label_defs: Mapping[str, CorpusDefs] | TypeSampler | None, rng: random.Random, *,
                    max_types: int = 12, negatives: tuple[int, int] = (2, 6), paraphrase_prob: float = 0.7,
                    drop_label_prob: float = 0.1, hard_negative_prob: float = 0.5) -> Example:
    """Return a copy of `example` whose `types` is a sampled type set (canonical label -> definition)
    and whose spans use canonical labels and keep only labels in the set. Deterministic given `rng`.

    `label_defs` is a TypeSampler (fastest, reuse it), the result of `load_corpus_definitions()`,
    or None for the packaged definitions.
    """
    global _DEFAULT
    if isinstance(label_defs, TypeSampler):
        sampler = label_defs
    elif label_defs is None:
        if _DEFAULT is None:
            _DEFAULT = TypeSampler()
        sampler = _DEFAULT
    else:
        sampler = TypeSampler(label_defs)
    return sampler.sample(example, rng, max_types=max_types, negatives=negatives, paraphrase_prob=paraphrase_prob,
                          drop_label_prob=drop_label_prob, hard_negative_prob=hard_negative_prob)
