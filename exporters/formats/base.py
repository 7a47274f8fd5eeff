"""The exporter contract and the built-in formats (text, json, jsonl).

An exporter is a class, instantiated once per run without arguments:

    suffix      appended to each output file's name under --out-dir ("" keeps the input's name)
    streaming   True: every document goes to one stream (-o FILE or stdout), the renders in
                input order; False: one output per document (stdout or -o for a single input)
    render(result, document_id) -> str
                the output of one document; sees result.text (already redacted) and
                result.to_dict() (types, offsets, scores, actions: never the original values)

Audit records are not a format: they are written by the audit log (exporters/audit/) beside
whichever format was chosen, after the output exists.
"""
from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar


class Exporter(ABC):
    suffix: ClassVar[str] = ""
    streaming: ClassVar[bool] = False

    @abstractmethod
    def render(self, result: Any, document_id: str | None) -> str:
        """The text written for one redacted document."""


class TextExporter(Exporter):
    """The redacted text, nothing else."""

    def render(self, result: Any, document_id: str | None) -> str:
        return result.text


class JsonExporter(Exporter):
    """One JSON object per document: the redacted text and its findings (no values)."""

    suffix = ".json"

    def render(self, result: Any, document_id: str | None) -> str:
        return json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"


class JsonlExporter(Exporter):
    """One line per document, `{"id": ..., "text": ..., "findings": [...]}`, in one stream."""

    streaming = True

    def render(self, result: Any, document_id: str | None) -> str:
        return json.dumps({"id": document_id, **result.to_dict()}, ensure_ascii=False, separators=(",", ":")) + "\n"
