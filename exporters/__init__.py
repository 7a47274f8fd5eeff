"""Operators (mask, replace, redact, hash, pseudonymize, encrypt, keep), keys, audit log, restore.

Operators are registered under the entry-point group `jpt_redact.exporters` and looked up
through `jpt_redact.registry.operators`. Names below import lazily so this package stays cheap.
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "Operator": "base", "OperatorContext": "base", "KeyProvider": "keys",
    "apply_operators": "apply", "new_context": "apply", "get_operator": "apply",
    "restore_text": "restore", "AuditWriter": "audit", "verify_log": "audit",
    "verify_log_strict": "audit", "VerifyResult": "audit", "summarize": "report",
    "render_text": "report", "render_html": "report",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_LAZY)
