"""JSON formats of labelled text.

- JSONL (`read_jsonl`/`write_jsonl`): `{"text", "spans": [{"start","end","label"}], "types"?}`.
- span JSON (`read_span_json`): a JSON list of `{text, spans|entities: [{start, end, label|entity_type}]}`.
- Presidio-evaluator InputSample JSON (`read_presidio_json`): `full_text` + `spans` with
  `entity_type`, `start_position`, `end_position`. For evaluation sets only.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import DataError
from .examples import Example, SpanTuple, validate_spans

def _span_from_obj(obj: Any, where: str) -> SpanTuple:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: a span must be an object")
    try:
        s = obj["start"] if "start" in obj else obj["start_position"]
        e = obj["end"] if "end" in obj else obj["end_position"]
    except KeyError:
        raise DataError(f"{where}: a span needs start and end") from None
    lab = obj.get("label", obj.get("entity_type", obj.get("type")))
    if lab is None:
        raise DataError(f"{where}: span {s}..{e} needs a label")
    return (s, e, str(lab))


def _example_from_obj(obj: Any, where: str, source: str) -> Example:
    if not isinstance(obj, dict):
        raise DataError(f"{where}: expected an object")
    text = obj.get("text")
    if not isinstance(text, str):
        raise DataError(f"{where}: field 'text' must be a string")
    raw_spans = obj.get("spans", obj.get("entities", []))
    if not isinstance(raw_spans, list):
        raise DataError(f"{where}: field 'spans' must be a list")
    spans = validate_spans(text, [_span_from_obj(s, where) for s in raw_spans], where)
    types = obj.get("types")
    if types is not None:
        if not isinstance(types, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in types.items()):
            raise DataError(f"{where}: field 'types' must map labels to definition strings")
        types = dict(types)
    meta = obj.get("meta") or {}
    if not isinstance(meta, dict):
        raise DataError(f"{where}: field 'meta' must be an object")
    return Example(text=text, spans=spans, types=types, source=str(obj.get("source", source)), meta=dict(meta))


def read_jsonl(path: str | os.PathLike) -> Iterator[Example]:
    p = Path(path)
    try:
        fh = open(p, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    with fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{p}:{lineno}: invalid JSON ({exc.msg})") from None
            yield _example_from_obj(obj, f"{p}:{lineno}", p.stem)


def _load_json_list(p: Path) -> list:
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{p}: cannot open ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise DataError(f"{p}:{exc.lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(data, list):
        raise DataError(f"{p}:1: expected a JSON list of examples")
    return data


def read_span_json(path: str | os.PathLike) -> Iterator[Example]:
    """A JSON list of {text, spans|entities: [{start, end, label|entity_type}]}. Errors name the item index."""
    p = Path(path)
    for i, obj in enumerate(_load_json_list(p)):
        yield _example_from_obj(obj, f"{p}:item {i}", p.stem)


def read_presidio_json(path: str | os.PathLike) -> Iterator[Example]:
    """presidio-evaluator InputSample JSON: [{full_text, spans: [{entity_type, start_position, end_position}]}].

    Meant for evaluation sets only (such data must not be trained on).
    """
    p = Path(path)
    for i, obj in enumerate(_load_json_list(p)):
        where = f"{p}:item {i}"
        if not isinstance(obj, dict) or not isinstance(obj.get("full_text"), str):
            raise DataError(f"{where}: field 'full_text' must be a string")
        text = obj["full_text"]
        spans = []
        for sp in obj.get("spans") or []:
            if not isinstance(sp, dict) or not {"entity_type", "start_position", "end_position"} <= sp.keys():
                raise DataError(f"{where}: a span needs entity_type, start_position and end_position")
            spans.append((sp["start_position"], sp["end_position"], str(sp["entity_type"])))
        yield Example(text=text, spans=validate_spans(text, spans, where), types=None, source=p.stem,
                      meta={"evaluation_only": True})


def write_jsonl(examples: Iterable[Example], path: str | os.PathLike) -> int:
    """Write examples as JSONL; returns the number written."""
    p = Path(path)
    n = 0
    try:
        with open(p, "w", encoding="utf-8") as fh:
            for ex in examples:
                fh.write(json.dumps(ex.to_dict(), ensure_ascii=False) + "\n")
                n += 1
    except OSError as exc:
        raise DataError(f"{p}: cannot write ({exc.strerror})") from None
    return n
