"""The audit exporter: one hash-chained JSONL record per document, and reports built from it.

    log.py      AuditWriter (append, thread- and process-safe), verify_log, read_records
    report.py   summaries of a log as text or self-contained HTML

The writer's names are re-exported here, so `from jpt_redact.exporters.audit import AuditWriter`
works; the report imports on use (`jpt_redact.exporters.audit.report`).
"""
from __future__ import annotations

from .log import (
    GENESIS_HASH,
    REQUIRED_FIELDS,
    AuditWriter,
    VerifyResult,
    canonical_json,
    compute_record_hash,
    finding_record,
    read_records,
    verify_log,
    verify_log_strict,
)

__all__ = ["GENESIS_HASH", "REQUIRED_FIELDS", "AuditWriter", "VerifyResult", "canonical_json", "compute_record_hash",
           "finding_record", "read_records", "verify_log", "verify_log_strict"]
