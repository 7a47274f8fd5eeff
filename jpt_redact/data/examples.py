"""Labelled examples: one in-memory shape shared by training, evaluation, calibration and benchmarks.

Spans are character offsets into `text`. Readers of each on-disk format live beside this
module (`conll`, `jsonl`); `load_examples` picks one by extension.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from ..errors import DataError

SpanTuple = tuple[int, int, str]


@dataclass
class Example:
    """A text with gold spans and (optionally) the entity types it is annotated for.

    `types` maps each label the example is annotated for to its definition. `None` means the
    raw data did not say; sampling fills it in before training.
    """

    text: str
    spans: list[SpanTuple]
    types: dict[str, str] | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "text": self.text,
            "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans],
        }
        if self.types is not None:
            d["types"] = dict(self.types)
        if self.source:
            d["source"] = self.source
        if self.meta:
            d["meta"] = dict(self.meta)
        return d

    def labels(self) -> set[str]:
        return {lab for _, _, lab in self.spans}


def validate_spans(text: str, spans: Iterable[SpanTuple], where: str) -> list[SpanTuple]:
    """Check offsets lie inside the text and are non-empty; return them sorted."""
    out = []
    for s, e, lab in spans:
        if not isinstance(s, int) or not isinstance(e, int) or isinstance(s, bool) or isinstance(e, bool):
            raise DataError(f"{where}: span offsets must be integers")
        if not (0 <= s < e <= len(text)):
            raise DataError(f"{where}: span {s}..{e} ({lab}) is outside the text (length {len(text)})")
        if not isinstance(lab, str) or not lab:
            raise DataError(f"{where}: span {s}..{e} has no label")
        out.append((s, e, lab))
    out.sort(key=lambda t: (t[0], t[1], t[2]))
    return out
