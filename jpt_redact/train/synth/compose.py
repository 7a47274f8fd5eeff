"""Compose a document from segments so every entity's offsets are exact by construction.

Templates are format strings whose entity slots carry a label: ``"DOB: {dob:DATE_OF_BIRTH}"``.
Plain slots (``{room}``) insert text without a span. When the caller restricted the labels, a
slot of another label becomes a broader/narrower label, unannotated text, or a non-PII stand-in
(see `labels.Resolution`); a family that cannot do without it raises `SkipDocument`.
"""
from __future__ import annotations

import re
from typing import Callable

from .labels import Resolution, refine
from .values import Values

_SLOT = re.compile(r"\{(\w+)(?::([A-Z][A-Z0-9_]*))?\}")

# Non-PII stand-ins used when a label is not wanted: generic phrases that fit most slots.
STAND_INS: dict[str, tuple[str, ...]] = {
    "PERSON": ("the patient", "the customer", "a colleague", "the team", "our client", "the applicant", "the user",
               "the caller", "the member", "the account holder"),
    "EMAIL_ADDRESS": ("the address on file", "the shared inbox", "the usual address", "your registered e-mail"),
    "PHONE_NUMBER": ("the main line", "the number on file", "the front desk", "the hotline"),
    "FAX_NUMBER": ("the fax on file", "the main fax line"),
    "STREET_ADDRESS": ("the address on file", "the registered address", "the delivery address we have"),
    "LOCATION": ("the area", "the region", "town", "abroad", "the city"),
    "AGE": ("adult", "middle-aged", "elderly", "young"),
    "AGE_OVER_89": ("elderly", "very elderly", "older"),
    "CARD_EXPIRY": ("[on card]", "see card"),
    "CVV": ("[not stored]", "***"),
    "VIN": ("[on file]", "see registration"),
    "LICENSE_PLATE": ("[on file]", "the company car"),
    "ORGANIZATION": ("the provider", "the company", "the clinic", "our office", "the vendor"),
    "US_SSN": ("the number on file", "[not provided]"),
    "NATIONAL_ID": ("the number on file", "[not provided]"),
    "PASSPORT_NUMBER": ("[on file]", "the document on file"),
    "CREDIT_CARD": ("the card on file", "the saved card"),
    "IBAN_CODE": ("the account on file", "the saved bank account"),
    "ACCOUNT_NUMBER": ("the account on file", "[on file]"),
    "MEDICAL_RECORD_NUMBER": ("[on file]", "see chart"),
    "HEALTH_PLAN_ID": ("[on file]", "see insurance card"),
    "LICENSE_NUMBER": ("[on file]", "pending"),
    "VEHICLE_ID": ("the company car", "[on file]"),
    "DEVICE_ID": ("the registered device", "[unknown]"),
    "IP_ADDRESS": ("the office network", "an internal host", "unknown"),
    "URL": ("the portal", "our website", "the usual link"),
    "USERNAME": ("the account", "their login", "the user"),
    "PASSWORD": ("********", "[hidden]", "the temporary one"),
    "API_KEY": ("[redacted-by-source]", "${API_KEY}", "<set in vault>"),
}


class SkipDocument(Exception):
    """Raised by a family when it cannot produce a document with the allowed labels."""


class Doc:
    """Accumulates text parts and spans; `f` formats a template with labelled slots."""

    __slots__ = ("parts", "spans", "pos", "res", "v", "lower", "unannotated")

    def __init__(self, v: Values, resolution: Resolution):
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.pos = 0
        self.res = resolution
        self.v = v
        self.lower = False
        self.unannotated: set[str] = set()

    def wants(self, label: str) -> bool:
        return label in self.res.span

    def t(self, text: str) -> "Doc":
        if self.lower:
            text = text.lower()
        self.parts.append(text)
        self.pos += len(text)
        return self

    def e(self, label: str, value: str, alt: str | Callable[[], str] | None = None, required: bool = False) -> "Doc":
        """Insert an entity value as a span, as unannotated text, or as a stand-in (see labels.Resolution)."""
        fine = refine(label, value)
        out = self.res.span.get(fine)
        if out is None:
            if required:
                raise SkipDocument(fine)
            kept = self.res.as_text.get(fine)
            if kept is not None:
                self.unannotated.update(kept)
                return self.t(value)
            if alt is None:
                alt = self.v.pick(STAND_INS.get(fine) or STAND_INS.get(label) or ("[n/a]",))
            return self.t(alt() if callable(alt) else alt)
        label = out
        if self.lower:
            value = value.lower()
        if not value:
            return self
        # Keep surrounding whitespace out of spans (e.g. a value with a trailing newline).
        lead = len(value) - len(value.lstrip())
        core = value.strip()
        start = self.pos + lead
        self.parts.append(value)
        self.pos += len(value)
        self.spans.append((start, start + len(core), label))
        return self

    def f(self, template: str, **values) -> "Doc":
        """Format `template`; `{k:LABEL}` slots become spans, `{k}` slots plain text.

        A value may be a string, a callable (called lazily) or a tuple (value, alt) for entities.
        """
        pos = 0
        for m in _SLOT.finditer(template):
            if m.start() > pos:
                self.t(template[pos:m.start()])
            key, label = m.group(1), m.group(2)
            val = values[key]
            alt = None
            if isinstance(val, tuple):
                val, alt = val
            if callable(val):
                val = val()
            if label:
                self.e(label, str(val), alt)
            else:
                self.t(str(val))
            pos = m.end()
        if pos < len(template):
            self.t(template[pos:])
        return self

    def nl(self, k: int = 1) -> "Doc":
        return self.t("\n" * k)

    def text(self) -> str:
        return "".join(self.parts)
