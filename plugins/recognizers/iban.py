"""IBANs: country code, two check digits, up to 30 letters/digits (optionally in groups of
four), accepted only when python-stdnum's iban.is_valid passes (country length + mod-97)."""
from __future__ import annotations

from ...safe_regex import compile
from ...validators import iban_valid
from ._base import RegexRecognizer

_IBAN = compile(r"(?<![\w-])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?(?![\w-])", name="pattern:iban")


class IbanRecognizer(RegexRecognizer):
    name = "pattern:iban"
    rules = ((_IBAN, 0.95),)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for m in _IBAN.finditer(text):
            # A greedy match may swallow the next word ("... 3000 ACCOUNT"): back off group by group.
            start, end = m.span()
            while end - start >= 15:
                if self.check(text[start:end], 0.95) is not None:
                    out.append((start, end, 0.95))
                    break
                cut = text.rfind(" ", start, end)
                if cut <= start:
                    break
                end = cut
        return out

    def check(self, value: str, score: float) -> float | None:
        return score if iban_valid(value) else None
