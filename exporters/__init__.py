"""What turns findings into output: operators (the redacted text) and the audit log (the record).

    operators/   mask, replace, redact, hash, pseudonymize, encrypt, keep (one per module),
                 the Operator contract (base.py), apply_operators (apply.py), restore (restore.py)
    formats/     the output formats of `redact --format` (text, json, jsonl; the Exporter contract)
    audit/       the hash-chained audit log (log.py) and its text/HTML report (report.py)

This folder is the package `jpt_redact.exporters` (see package-dir in pyproject.toml). Its
parts see spans, results, the policy and keys (`jpt_redact.keys`), never the model. Operators
and formats are plugins: registered under the entry-point groups `jpt_redact.operators` and
`jpt_redact.exporters`, looked up through `jpt_redact.registry`. The names below import
lazily so this package stays cheap.
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "Operator": "operators.base", "OperatorContext": "operators.base",
    "apply_operators": "operators.apply", "new_context": "operators.apply", "get_operator": "operators.apply",
    "build_operators": "operators.apply", "restore_text": "operators.restore",
    "Exporter": "formats.base", "AuditWriter": "audit.log", "verify_log": "audit.log", "verify_log_strict": "audit.log", "VerifyResult": "audit.log",
    "summarize": "audit.report", "render_text": "audit.report", "render_html": "audit.report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_LAZY)
