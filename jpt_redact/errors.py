"""Typed errors. The library raises these; only the CLI turns them into one-line messages.

Messages never contain raw text from a document: they name files, fields, types, offsets.
"""
from __future__ import annotations


class JPTRedactError(Exception):
    """Base class of every error jpt-redact raises on purpose."""

    exit_code = 1


class PolicyError(JPTRedactError):
    """A policy file is missing, malformed, or fails validation."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None):
        self.path, self.line, self.field = path, line, field
        where = ""
        if path:
            where = path + (f":{line}" if line else "") + ": "
        if field:
            where += f"{field}: "
        super().__init__(where + message)


class InputError(JPTRedactError):
    """Input text that cannot be processed: empty, binary, undecodable, missing."""

    exit_code = 3


class ModelError(JPTRedactError):
    """A backbone, encoder or checkpoint cannot be loaded or does not fit together."""

    exit_code = 4


class CheckpointMismatchError(ModelError):
    """A checkpoint was trained on a different backbone file than the one given."""


class BackendUnavailableError(JPTRedactError):
    """A runtime backend or execution provider was asked for explicitly but is not available."""

    exit_code = 5


class DetectionError(JPTRedactError):
    """Detection failed for a document. The document must not be treated as clean.

    document_index: position of the (first) failed document in the call's input, when known.
    reason: the failing part and what went wrong ("model: ...", "recognizers: ValueError"),
        PII-free like the message.
    cause_type: the type name of the exception behind it, if any. The exception itself is not
        chained (no __cause__): a library's message may quote the document.
    """

    exit_code = 6

    def __init__(self, message: str, *, document_index: int | None = None, reason: str | None = None,
                 cause_type: str | None = None):
        super().__init__(message)
        self.document_index = document_index
        self.reason = reason
        self.cause_type = cause_type

    def __reduce__(self):  # keep the attributes across processes (worker pools, Ray)
        return _restore_detection_error, (type(self), str(self), self.document_index, self.reason, self.cause_type)


def _restore_detection_error(cls, message, document_index, reason, cause_type=None):
    return cls(message, document_index=document_index, reason=reason, cause_type=cause_type)


class OperatorError(JPTRedactError):
    """An operator (mask, hash, encrypt, ...) is misconfigured or cannot run (e.g. missing key)."""

    exit_code = 7


class AuditError(JPTRedactError):
    """An audit log cannot be written or read."""

    exit_code = 8


class AuditVerificationError(AuditError):
    """An audit log's hash chain does not verify: a record was edited, dropped or reordered."""


class PluginError(JPTRedactError):
    """A plugin is unknown, duplicated, or failed to load."""

    exit_code = 9


class DataError(JPTRedactError):
    """Training or evaluation data is malformed."""

    exit_code = 10


class OutputError(JPTRedactError, OSError):
    """An output cannot be written (disk full, permission denied). Nothing partial is left:
    outputs are written to a temporary and renamed into place. Also an OSError, so code that
    handles failed writes as OSErrors still does."""

    exit_code = 11


# The CLI's exit code when every output was written but at least one document was replaced by
# the whole-document placeholder (on_error: redact_all): the job did not fail, but it did not
# redact those documents either, and a script must be able to tell.
PLACEHOLDER_EXIT_CODE = 12
