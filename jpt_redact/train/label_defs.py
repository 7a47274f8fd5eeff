"""Label definitions of the training corpora: `train/definitions/<corpus>.yaml`.

Each file maps a corpus's raw labels to a canonical UPPER_SNAKE label, a kind (used to keep
negatives from clashing with what a source may contain unannotated) and several paraphrased
definitions (the first is the primary one).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError

@dataclass(frozen=True)
class LabelDef:
    """A corpus label's canonical UPPER_SNAKE name, its definitions (first = primary) and kind."""

    label: str
    definitions: tuple[str, ...]
    kind: str = "misc"
    raw: str = ""
    corpus: str = ""

    @property
    def definition(self) -> str:
        return self.definitions[0]


@dataclass(frozen=True)
class CorpusDefs:
    """All label definitions of one corpus plus the kinds never to use as negatives for it."""

    corpus: str
    labels: dict[str, LabelDef]
    exclude_negative_kinds: frozenset[str] = frozenset()
    description: str = ""


def _definitions_dir() -> Path:
    from importlib import resources

    return Path(str(resources.files("jpt_redact.train").joinpath("definitions")))


def _parse_definitions(path: Path) -> CorpusDefs:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{path}: cannot open ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise DataError(f"{path}:{(line or 0) + 1}: invalid YAML") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("labels"), dict):
        raise DataError(f"{path}: expected a mapping with 'corpus' and 'labels'")
    corpus = str(doc.get("corpus") or path.stem)
    labels: dict[str, LabelDef] = {}
    for raw, spec in doc["labels"].items():
        raw = str(raw)
        if not isinstance(spec, dict):
            raise DataError(f"{path}: label {raw}: expected a mapping")
        canon = spec.get("label")
        defs = spec.get("definitions")
        if not isinstance(canon, str) or not re.fullmatch(r"[A-Z][A-Z0-9_]{0,63}", canon):
            raise DataError(f"{path}: label {raw}: 'label' must be UPPER_SNAKE_CASE")
        if not isinstance(defs, list) or not defs or not all(isinstance(d, str) and d.strip() for d in defs):
            raise DataError(f"{path}: label {raw}: 'definitions' must be a non-empty list of strings")
        labels[raw] = LabelDef(label=canon, definitions=tuple(d.strip() for d in defs),
                               kind=str(spec.get("kind", "misc")), raw=raw, corpus=corpus)
    return CorpusDefs(corpus=corpus, labels=labels,
                      exclude_negative_kinds=frozenset(doc.get("exclude_negative_kinds") or ()),
                      description=str(doc.get("description", "")))


_DEFS_CACHE: dict[str, dict[str, CorpusDefs]] = {}


def load_corpus_definitions(directory: str | os.PathLike | None = None) -> dict[str, CorpusDefs]:
    """corpus -> CorpusDefs for every *.yaml in the definitions directory (cached)."""
    d = Path(directory) if directory is not None else _definitions_dir()
    key = str(d)
    if key not in _DEFS_CACHE:
        out = {}
        for f in sorted(d.glob("*.yaml")):
            cd = _parse_definitions(f)
            out[cd.corpus] = cd
        if not out:
            raise DataError(f"{d}: no definition files found")
        _DEFS_CACHE[key] = out
    return _DEFS_CACHE[key]


def load_definitions(directory: str | os.PathLike | None = None) -> dict[str, dict[str, LabelDef]]:
    """corpus -> raw label -> LabelDef (canonical label, definitions, kind)."""
    return {c: dict(cd.labels) for c, cd in load_corpus_definitions(directory).items()}
