"""Payment card expiry dates: MM/YY, MM/YYYY or MM-YY right after a context word such as
'exp', 'expiry', 'expires', 'expiration date', 'valid thru' or 'good thru'."""
from __future__ import annotations

import re

from ._base import RegexRecognizer

_EXPIRY = re.compile(
    r"(?<!\w)(?:exp(?:\.|iry|ires|iration)?(?:\s+date)?|valid\s+(?:thru|through|until)|good\s+thru)"
    r"\s*(?:[:=#-]|on)?\s*(?P<value>(?:0[1-9]|1[0-2])\s?[/-]\s?(?:20)?\d{2})(?![\w/-])",
    re.IGNORECASE,
)


class CardExpiryRecognizer(RegexRecognizer):
    name = "pattern:card_expiry"
    rules = ((_EXPIRY, 0.9),)
