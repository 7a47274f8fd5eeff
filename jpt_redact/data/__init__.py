"""Readers of labelled data, shared by eval, calibrate, training and the benchmarks.

Every reader yields `Example`s whose spans are character offsets into `text`. Malformed input
raises `DataError` naming the file and line; messages never quote document text.
"""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import DataError
from .conll import read_conll
from .examples import Example, SpanTuple, validate_spans
from .jsonl import _load_json_list, read_jsonl, read_presidio_json, read_span_json, write_jsonl

__all__ = ["Example", "SpanTuple", "validate_spans", "read_conll", "read_jsonl", "read_span_json",
           "read_presidio_json", "write_jsonl", "load_examples"]

_FORMATS = {
    "conll": read_conll,
    "jsonl": read_jsonl,
    "json": read_span_json,
    "span_json": read_span_json,
    "presidio": read_presidio_json,
}
_EXTENSIONS = {".conll": "conll", ".txt": "conll", ".train": "conll", ".bio": "conll", ".iob": "conll",
               ".jsonl": "jsonl", ".json": "json"}


def load_examples(path: str | os.PathLike, format: str | None = None) -> list[Example]:
    """Read a file in any known format; `format` overrides the guess from the extension.

    A `.json` file whose first item has `full_text` is read as presidio-evaluator JSON.
    """
    p = Path(path)
    fmt = format
    if fmt is None:
        fmt = _EXTENSIONS.get(p.suffix.lower())
        if fmt is None:
            raise DataError(f"{p}: cannot tell the format from the extension; pass format= "
                            f"({', '.join(sorted(_FORMATS))})")
        if fmt == "json":
            data = _load_json_list(p)
            if data and isinstance(data[0], dict) and "full_text" in data[0]:
                fmt = "presidio"
    if fmt not in _FORMATS:
        raise DataError(f"unknown data format {fmt!r} (use one of {', '.join(sorted(_FORMATS))})")
    return list(_FORMATS[fmt](p))
