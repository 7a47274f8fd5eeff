"""Card security codes (CVV/CVC/CID): 3 or 4 digits, only right after a context word such as
'CVV', 'CVC', 'CVV2', 'CID' or 'security code'. Without context, 3 digits are just a number."""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

# `\s*(?:SEP\s*)?`, not `\s*SEP?\s*` (quadratic on 'cvv' + spaces): see card_expiry.py
_CVV = compile(
    r"(?<!\w)(?:cvv2?|cvc2?|cid|csc|card\s+verification(?:\s+(?:value|code))?|(?:card\s+)?security\s+code)"
    r"(?:\s*(?:no\.?|number|code|#))?\s*(?:(?:[:=#-]|is)\s*)?(?P<value>\d{3,4})(?![\w/.-])",
    IGNORECASE,
    name="pattern:cvv",
)


class CvvRecognizer(RegexRecognizer):
    name = "pattern:cvv"
    rules = ((_CVV, 0.9),)
