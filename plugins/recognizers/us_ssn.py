"""US Social Security numbers.

SSNs have no checksum, so validity is the SSA's structural rules (python-stdnum us.ssn):
area not 000, 666 or 900-999, group not 00, serial not 0000, and not a known advertising
number (e.g. 078-05-1120). Dashed or spaced forms score 0.85; nine bare digits only count
with a context word ('SSN', 'social security') shortly before them.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer, digits_of

_SEPARATED = compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])", name="pattern:us_ssn")
_BARE = compile(r"(?<![\w-])\d{9}(?![\w-])", name="pattern:us_ssn")
_CONTEXT = compile(r"\b(?:ssn|ss#|ss\s*no|social\s+security(?:\s+(?:no|number|#))?)\b", IGNORECASE, name="pattern:us_ssn")


class UsSsnRecognizer(RegexRecognizer):
    name = "pattern:us_ssn"
    rules = ((_SEPARATED, 0.85), (_BARE, 0.8))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            if text[start:end].isdigit() and _CONTEXT.search(text, max(0, start - 40), start) is None:
                continue
            out.append((start, end, score))
        return out

    def check(self, value: str, score: float) -> float | None:
        from stdnum.us import ssn

        digits = digits_of(value)
        if not ssn.is_valid(digits) or len(set(digits)) == 1 or digits == "123456789":
            return None
        return score
