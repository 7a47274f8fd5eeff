"""Bank identifier codes (BIC, SWIFT codes): 8 or 11 characters (bank, ISO country, location,
optional branch: DEUTDEFF, WESTGB2L, DEUTDEFF500), only after a context word such as 'BIC',
'SWIFT' or 'bank code' and only when python-stdnum accepts the code (the country must exist).

Without a context word an upper-case word of eight letters is far more often a word
(INSTANCES) than a bank, so none is reported.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

NAME = "pattern:bic"
_CODE = compile(r"(?<![\w-])[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![\w-])", name=NAME)
_CONTEXT = compile(r"\b(?:bic|swift(?:[\s/-]{0,3}(?:code|bic))?|bank\s{1,3}(?:identifier\s{1,3})?code)\b", IGNORECASE, name=NAME)


class BicRecognizer(RegexRecognizer):
    name = NAME
    rules = ((_CODE, 0.95),)
    context = _CONTEXT
    context_window = 30

    def check(self, value: str, score: float) -> float | None:
        from stdnum import bic

        return score if bic.is_valid(value) else None
