"""Payment card numbers (PANs): 13-19 digits, optionally grouped by spaces or dashes, with a
valid Luhn checksum and a known issuer prefix (Visa 4, Mastercard 51-55/2221-2720, Amex 34/37,
Discover 6011/65/644-649, Diners 36/38/300-305, JCB 35, UnionPay 62, Maestro 50/56-69).
"""
from __future__ import annotations

from ...safe_regex import compile
from ...validators import luhn_valid
from ._base import RegexRecognizer, digits_of

_SIMPLE = compile(r"(?<![\w.,-])(?:\d[ -]?){12,18}\d(?![\w-]|[.,]\d)", name="pattern:credit_card")
_ISSUER = compile(r"^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|30[0-5]|3[68]|35|6011|64[4-9]|65|62|5[06-9]|6\d)", name="pattern:credit_card")


class CreditCardRecognizer(RegexRecognizer):
    name = "pattern:credit_card"
    rules = ((_SIMPLE, 0.95),)

    def check(self, value: str, score: float) -> float | None:
        seps = {c for c in value if not c.isdigit()}
        if len(seps) > 1:
            return None  # mixed separators: more likely a list of numbers than one card
        digits = digits_of(value)
        if not 13 <= len(digits) <= 19 or len(set(digits)) == 1:
            return None
        if not _ISSUER.match(digits) or not luhn_valid(digits):
            return None
        return score
