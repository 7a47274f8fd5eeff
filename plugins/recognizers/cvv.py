"""Card security codes (CVV/CVC/CID): 3 or 4 digits, only right after a context word such as
'CVV', 'CVC', 'CVV2', 'CID' or 'security code'. Without context, 3 digits are just a number."""
from __future__ import annotations

import re

from ._base import RegexRecognizer

_CVV = re.compile(
    r"(?<!\w)(?:cvv2?|cvc2?|cid|csc|card\s+verification(?:\s+(?:value|code))?|(?:card\s+)?security\s+code)"
    r"(?:\s*(?:no\.?|number|code|#))?\s*(?:[:=#-]|is)?\s*(?P<value>\d{3,4})(?![\w/.-])",
    re.IGNORECASE,
)


class CvvRecognizer(RegexRecognizer):
    name = "pattern:cvv"
    rules = ((_CVV, 0.9),)
