"""jpt-redact: PII redaction with Just Pass Twice.

Importing this package is cheap: torch, transformers, onnxruntime and presidio load only
when a model or adapter is first used.
"""
from __future__ import annotations

import os as _os
from typing import TYPE_CHECKING, Any

from .errors import (
    AuditError,
    AuditVerificationError,
    BackendUnavailableError,
    CheckpointMismatchError,
    DataError,
    DetectionError,
    InputError,
    JPTRedactError,
    ModelError,
    OperatorError,
    PluginError,
    PolicyError,
)
from .findings import AnalysisResult, Finding, RedactionResult, Span
from .version import __version__

# torch's OpenMP threads spin while they wait (libgomp's default). On a machine whose cores are
# shared with other work, the spinning took the CPU the working threads needed: the same batch
# took 3x the CPU time and 3.7x the wall time of passive waiting (docs/benchmarks.md#speed),
# which costs microseconds per wake-up. libgomp reads this when torch loads it, so it only
# applies if torch is not imported yet; a value of the user's is kept.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_LAZY = {
    "Policy": ("jpt_redact.policy", "Policy"),
    "load_policy": ("jpt_redact.policy", "load_policy"),
    "Redactor": ("jpt_redact.redactor", "Redactor"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy, load_policy
    from .redactor import Redactor


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(name)


__all__ = [
    "AnalysisResult", "AuditError", "AuditVerificationError", "BackendUnavailableError",
    "CheckpointMismatchError", "DataError", "DetectionError", "Finding", "InputError",
    "JPTRedactError", "ModelError", "OperatorError", "PluginError", "Policy", "PolicyError",
    "RedactionResult", "Redactor", "Span", "__version__", "load_policy",
]
