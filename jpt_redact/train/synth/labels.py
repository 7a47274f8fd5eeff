"""The generator's labels and how a requested label set turns them into spans, text or stand-ins.

Some labels are narrower versions of others (a date of birth is a personal DATE, which is a
DATE_TIME). Families emit the finest label they know; a request for a broader label relabels
the value, a request for a narrower label keeps broader values as unannotated text (a hire
date is not a date of birth, so it must not be tagged DATE_OF_BIRTH, nor replaced).
"""
from __future__ import annotations

import re
from typing import Collection

# fine label -> the broader label it is a kind of
PARENT: dict[str, str] = {
    "DATE_OF_BIRTH": "DATE",
    "DATE": "DATE_TIME",
    "AGE_OVER_89": "AGE",
    "VIN": "VEHICLE_ID",
    "LICENSE_PLATE": "VEHICLE_ID",
    "CARDHOLDER_NAME": "PERSON",
}

# Every label the generator can emit, at any level of the hierarchy.
GENERATOR_LABELS = frozenset({
    "PERSON", "CARDHOLDER_NAME", "EMAIL_ADDRESS", "PHONE_NUMBER", "FAX_NUMBER", "STREET_ADDRESS", "LOCATION",
    "DATE_TIME", "DATE", "DATE_OF_BIRTH", "AGE", "AGE_OVER_89", "ORGANIZATION",
    "US_SSN", "NATIONAL_ID", "PASSPORT_NUMBER", "CREDIT_CARD", "CARD_EXPIRY", "CVV", "IBAN_CODE",
    "ACCOUNT_NUMBER", "MEDICAL_RECORD_NUMBER", "HEALTH_PLAN_ID", "LICENSE_NUMBER",
    "VEHICLE_ID", "VIN", "LICENSE_PLATE", "DEVICE_ID", "IP_ADDRESS", "URL", "USERNAME", "PASSWORD", "API_KEY",
})

# Labels families never emit directly (only through refinement or as a broader request).
ABSTRACT = frozenset({"VEHICLE_ID"})


def ancestors(label: str) -> list[str]:
    """[label, parent, grandparent, ...]"""
    out = [label]
    while out[-1] in PARENT:
        out.append(PARENT[out[-1]])
    return out


def descendants(label: str) -> set[str]:
    return {f for f in PARENT if label in ancestors(f)[1:]}


_NUM = re.compile(r"\d+")
_TIME_ONLY = re.compile(r"\d{1,2}(?::\d{2}){0,2}(?:\.\d+)?\s*(?:[ap]\.?m\.?|h|hrs)?|\d{4}h|noon|midnight", re.I)
# A bare year ("born in 1962") is no calendar date (DATE excludes it) but is a point in time.
_YEAR_ONLY = re.compile(r"(?:1[89]|20)\d{2}")


def refine(label: str, value: str) -> str:
    """The finest label for a value: ages over 89, VIN vs number plate, and dates vs times.

    Dates are split by form, not by topic: anything holding a calendar date (absolute or
    relative, with or without a time) is a DATE; a time of day or a bare year alone stays DATE_TIME.
    """
    if label == "DATE_TIME":
        v = value.strip()
        return label if _TIME_ONLY.fullmatch(v) or _YEAR_ONLY.fullmatch(v) else "DATE"
    if label == "AGE":
        m = _NUM.search(value)
        if m and int(m.group()) >= 90:
            return "AGE_OVER_89"
    elif label == "VEHICLE_ID":
        compact = value.replace(" ", "")
        return "VIN" if len(compact) == 17 and compact.isalnum() else "LICENSE_PLATE"
    return label


class Resolution:
    """How each fine label is rendered for one requested label set.

    `span`: fine label -> label of the emitted span.
    `as_text`: fine label -> broader labels recorded as unannotated when the value stays as text.
    Anything else becomes a non-PII stand-in.
    """

    def __init__(self, wanted: Collection[str] | None):
        self.wanted = None if wanted is None else frozenset(wanted)
        self.span: dict[str, str] = {}
        self.as_text: dict[str, tuple[str, ...]] = {}
        for fine in GENERATOR_LABELS:
            chain = ancestors(fine)
            if self.wanted is None:
                self.span[fine] = fine
                continue
            hit = next((a for a in chain if a in self.wanted), None)
            if hit is not None:
                self.span[fine] = hit
            elif "DATE_TIME" in chain or any(d in self.wanted for a in chain for d in descendants(a)):
                # A narrower label is wanted (this value is not one of those), or it is a date or
                # time, for which a stand-in would read oddly: keep it as unannotated text.
                self.as_text[fine] = tuple(chain)
            # else: stand-in

