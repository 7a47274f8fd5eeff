"""SLURP (Bastianelli et al., 2020): spoken requests to a home assistant, text part only.

The snapshot has SLURP's devel and test files but not train (too large to copy), so
`slurp_test.jsonl` serves as our `train` split and `slurp_devel.jsonl` as `dev`. Neither is
one of our sealed benchmarks, so training on SLURP's test file is fine here; just never
report SLURP-test scores of a model trained on this corpus. Lines are `{slurp_id, intent,
text, spans: [{start, end, text, label}]}` (spans converted from `sentence_annotation`).

Text is lowercased ASR-style transcripts without punctuation. A final "'s" is cut off spans
("john's" -> "john", "today's" -> "today") so boundaries agree with the other corpora. Only
the text part (CC BY 4.0) is used; the audio is CC BY-NC and is not in the snapshot.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from ...data import Example
from . import Corpus, register
from .snips import read_split

_FILES = {"train": "slurp_test.jsonl", "dev": "slurp_devel.jsonl"}


def _meta(split: str, lineno: int, rec: dict[str, Any]) -> dict[str, Any]:
    intent = str(rec.get("intent", ""))
    return {"doc_id": f"slurp/{rec.get('slurp_id', f'{split}:{lineno}')}", "intent": intent,
            # SLURP intents are scenario_action (calendar_set, play_music): the scenario is the domain.
            "scenario": intent.split("_", 1)[0]}


def read_slurp(folder: Path, split: str) -> Iterator[Example]:
    return read_split(folder, split, _FILES, _meta, name="slurp", strip_possessive=True)


register(Corpus(
    "slurp", "slurp", read_slurp, splits=("train", "dev"), licence="CC BY 4.0 (text; audio CC BY-NC, not used)",
    citation="Bastianelli et al., 2020, SLURP: A Spoken Language Understanding Resource Package (EMNLP)",
))
