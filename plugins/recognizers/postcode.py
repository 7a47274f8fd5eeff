"""Postcodes after their label ('ZIP 94105', 'postcode SW1A 1AA', 'PLZ 10115'): US ZIP and
ZIP+4, UK, Canadian, 4-digit (AU, NL with its letters, CH, AT, BE, DK, ...), Swedish (3 + 2)
and Polish (2-3) forms, only within a few characters after 'ZIP', 'ZIP code', 'postcode',
'postal code' or 'PLZ'.

Without the label a five-digit number is far more often a count, an id or an amount than a
postcode, so none is reported. The model finds postcodes inside an address; a postcode on its
own is what it misses (a model address span must hold two letters in the shipped policies).
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

NAME = "pattern:postcode"
_CODE = compile(
    r"(?<![\w-])(?:\d{5}(?:-\d{4})?|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}|[A-Z]\d[A-Z] ?\d[A-Z]\d"
    r"|\d{4}(?: ?[A-Z]{2})?|\d{3} \d{2}|\d{2}-\d{3})(?![\w-])",
    name=NAME,
)
_CONTEXT = compile(r"\b(?:zip(?:[ \t-]?code)?|post(?:al)?[ \t-]?code|plz)\b", IGNORECASE, name=NAME)


class PostcodeRecognizer(RegexRecognizer):
    name = NAME
    rules = ((_CODE, 0.8),)
    context = _CONTEXT
    context_window = 16  # "ZIP: 94105", "postal code: 10115"; not a number further on
