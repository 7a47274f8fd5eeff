"""Payment card numbers (PANs): 13-19 digits, optionally grouped by spaces or dashes, with a
valid Luhn checksum and a known issuer prefix (Visa 4, Mastercard 51-55/2221-2720, Amex 34/37,
Discover 6011/65/644-649, Diners 36/38/300-305, JCB 35, UnionPay 62, Maestro 50/56-69).
"""
from __future__ import annotations

from ...safe_regex import compile
from ...validators import luhn_valid
from ._base import RegexRecognizer, digits_of

# A run of digit groups, taken whole (possessive: no backtracking, linear on any input). The
# card is looked for among the run's groups, so a card followed by another number ("card
# 4111 1111 1111 1111 2 items", two cards side by side) is found: a single regex match over
# the whole run failed the checksum and the card was left in the text (tests/test_fuzz_recognizers.py).
# A comma may stand on either side (CSV cells: ",4111 1111 1111 1111,20.00"): the run has no
# commas in it, so a thousands-separated number never becomes one long run; a '.' may not (decimals).
_RUN = compile(r"(?<![\w.-])\d++(?:[ -]\d++)*+", name="pattern:credit_card")
_GROUP = compile(r"\d+", name="pattern:credit_card")
_GLUED = compile(r"[\w-]|\.\d", name="pattern:credit_card")  # the run ends inside a longer token
_ISSUER = compile(r"^(?:4|5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)|3[47]|30[0-5]|3[68]|35|6011|64[4-9]|65|62|5[06-9]|6\d)", name="pattern:credit_card")
SCORE = 0.95


class CreditCardRecognizer(RegexRecognizer):
    name = "pattern:credit_card"

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: list[tuple[int, int, float]] = []
        for run in _RUN.finditer(text):
            groups = [g.span() for g in _GROUP.finditer(text, run.start(), run.end())]
            if _GLUED.match(text, run.end()):
                groups.pop()  # a card cannot end inside "1111x" or "1111.5"
            i = 0
            while i < len(groups):
                # the longest card starting at group i; at most 19 digits, so a bounded search
                best, digits = None, 0
                for j in range(i, len(groups)):
                    digits += groups[j][1] - groups[j][0]
                    if digits > 19:
                        break
                    if digits >= 13 and self.check(text[groups[i][0]:groups[j][1]], SCORE) is not None:
                        best = j
                if best is None:
                    i += 1
                    continue
                found.append((groups[i][0], groups[best][1], SCORE))
                i = best + 1
        return found

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
