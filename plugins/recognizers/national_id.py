"""National identity and tax numbers that have a fixed format AND a check digit.

Each rule is (format regex, python-stdnum validator, needs context). Pure-digit numbers with
a weak check digit (about 1 in 10 random numbers pass) are only reported after a context
word, because they are otherwise indistinguishable from phone numbers and order ids.
UK National Insurance numbers have no check digit; their letter rules (excluded prefixes,
suffix A-D) are strict enough to report at a lower score.
"""
from __future__ import annotations

from typing import NamedTuple

from ...safe_regex import IGNORECASE, SafePattern
from ...safe_regex import compile as _compile
from ...validators import stdnum_validator
from ._base import drop_nested


class _Rule(NamedTuple):
    regex: SafePattern
    validator: str | None  # python-stdnum module; None = format rules only
    score: float
    context: SafePattern | None = None


def _ctx(words: str) -> SafePattern:
    return _compile(r"(?<!\w)(?:" + words + r")(?!\w)", IGNORECASE, name="pattern:national_id")


def _re(pattern: str) -> SafePattern:
    return _compile(pattern, name="pattern:national_id")


_NINO_PREFIX_BAD = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}

RULES: tuple[_Rule, ...] = (
    # UK National Insurance number, e.g. QQ 12 34 56 C (format rules only)
    _Rule(_re(r"(?<!\w)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?!\w)"), None, 0.75),
    # UK NHS number: 10 digits, mod 11
    _Rule(_re(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])"), "gb.nhs", 0.95, _ctx(r"nhs(?:\s+(?:no|number|#))?")),
    # German tax identification number (Steuer-IdNr): 11 digits, ISO 7064 mod 11,10 + digit-distribution rules
    _Rule(_re(r"(?<![\w-])\d{2} ?\d{3} ?\d{3} ?\d{3}(?![\w-])"), "de.idnr", 0.95,
          _ctx(r"steuer-?id(?:nr)?|idnr|steueridentifikationsnummer|identifikationsnummer|tax\s+id(?:entification)?(?:\s+(?:no|number))?|tin")),
    # French social security number (NIR): sex, year, month, department, commune, order, key mod 97
    _Rule(_re(r"(?<![\w-])[12] ?\d{2} ?(?:0[1-9]|1[0-2]|[2-9]\d) ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}(?![\w-])"), "fr.nir", 0.95),
    # Spanish DNI (8 digits + check letter) and NIE (X/Y/Z + 7 digits + check letter)
    _Rule(_re(r"(?<![\w-])\d{8}-?[A-HJ-NP-TV-Z](?![\w-])"), "es.dni", 0.9),
    _Rule(_re(r"(?<![\w-])[XYZ]-?\d{7}-?[A-HJ-NP-TV-Z](?![\w-])"), "es.nie", 0.95),
    # Italian codice fiscale: 6 letters, 2 digits, month letter, 2 digits, place code, check letter
    _Rule(_re(r"(?<!\w)[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z](?!\w)"), "it.codicefiscale", 0.95),
    # Indian Aadhaar: 12 digits, first 2-9, Verhoeff check digit
    _Rule(_re(r"(?<![\w-])[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?![\w-])"), "in_.aadhaar", 0.95, _ctx(r"aadhaar|aadhar|uid(?:ai)?")),
    # Dutch citizen service number (BSN): 9 digits, 11-test
    _Rule(_re(r"(?<![\w-])\d{4}\.?\d{2}\.?\d{3}(?![\w-])|(?<![\w-])\d{9}(?![\w-])"), "nl.bsn", 0.95,
          _ctx(r"bsn|burgerservicenummer|sofi(?:nummer)?")),
)


class NationalIdRecognizer:
    name = "pattern:national_id"
    context_window = 40

    def __init__(self) -> None:
        self._validators = {r.validator: stdnum_validator(r.validator)
                            for r in RULES if r.validator}

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: dict[tuple[int, int], float] = {}
        for rule in RULES:
            for m in rule.regex.finditer(text):
                start, end = m.span()
                value = m.group(0)
                if rule.context is not None and not rule.context.search(text, max(0, start - self.context_window), start):
                    continue
                if rule.validator is None:
                    if value.replace(" ", "")[:2] in _NINO_PREFIX_BAD:
                        continue
                elif not self._validators[rule.validator](value):
                    continue
                found[(start, end)] = max(rule.score, found.get((start, end), 0.0))
        return drop_nested(found)
