"""The registry of template families, and the deterministic train/dev split by family.

A family is one document shape (e.g. "clinical.discharge_summary") with its own phrasings. The
dev split holds out whole families, so dev scores measure generalisation to unseen layouts and
wordings rather than memorised templates.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Callable

from .compose import Doc
from .values import Values

DEV_FRACTION = 0.15


@dataclass(frozen=True)
class Family:
    id: str
    fn: Callable[[Doc, Values], None]
    pii: bool = True  # False: documents of this family never contain PII
    weight: float = 1.0
    unannotated: frozenset[str] = frozenset()  # labels whose values may appear without a span


FAMILIES: dict[str, Family] = {}


def family(id: str, *, pii: bool = True, weight: float = 1.0, unannotated: tuple[str, ...] = ()):
    """Decorator registering a template family under a unique dotted id."""

    def deco(fn: Callable[[Doc, Values], None]):
        if id in FAMILIES:
            raise ValueError(f"duplicate template family {id!r}")
        FAMILIES[id] = Family(id=id, fn=fn, pii=pii, weight=weight, unannotated=frozenset(unannotated))
        return fn

    return deco


def _rank(fid: str) -> int:
    return int.from_bytes(hashlib.sha256(("jpt-redact-synth:" + fid).encode()).digest()[:8], "big")


def load_all() -> dict[str, Family]:
    """Import every family module (each registers its families on import) and return FAMILIES."""
    from . import fam_business, fam_chat, fam_clinical, fam_coverage, fam_more, fam_nopii, fam_tech  # noqa: F401

    return FAMILIES


def dev_family_ids() -> frozenset[str]:
    """~15% of families, stratified by PII/no-PII, chosen by a hash of the id (stable across runs)."""
    load_all()
    out: set[str] = set()
    for has_pii in (True, False):
        ids = sorted((f.id for f in FAMILIES.values() if f.pii == has_pii), key=_rank)
        k = max(1, round(len(ids) * DEV_FRACTION)) if ids else 0
        out.update(ids[:k])
    return frozenset(out)


def families_for(split: str) -> list[Family]:
    load_all()
    if split not in ("train", "dev", "all"):
        from ...errors import DataError

        raise DataError(f"unknown split {split!r} (use train, dev or all)")
    dev = dev_family_ids()
    return [f for f in FAMILIES.values() if split == "all" or (f.id in dev) == (split == "dev")]
