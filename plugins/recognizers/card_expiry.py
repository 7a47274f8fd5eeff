"""Payment card expiry dates: MM/YY, MM/YYYY or MM-YY right after a context word such as
'exp', 'expiry', 'expires', 'expiration date', 'valid thru' or 'good thru'."""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

# One optional separator between two runs of spaces, written `\s*(?:SEP\s*)?`: the form
# `\s*SEP?\s*` lets both runs share the spaces, quadratic on 'exp' + spaces.
_EXPIRY = compile(
    r"(?<!\w)(?:exp(?:\.|iry|ires|iration)?(?:\s+date)?|valid\s+(?:thru|through|until)|good\s+thru)"
    r"\s*(?:(?:[:=#-]|on)\s*)?(?P<value>(?:0[1-9]|1[0-2])\s?[/-]\s?(?:20)?\d{2})(?![\w/-])",
    IGNORECASE,
    name="pattern:card_expiry",
)


class CardExpiryRecognizer(RegexRecognizer):
    name = "pattern:card_expiry"
    rules = ((_EXPIRY, 0.9),)
