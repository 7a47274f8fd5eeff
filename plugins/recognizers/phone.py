"""Phone numbers, found and validated by Google's libphonenumber (phonenumbers package).

Numbers written with a '+' country code are matched in any region; national formats are
tried for the regions in jpt_redact.validators.PHONE_REGIONS (shared with the `phone`
validator of inline patterns). Leniency VALID: the number must be a valid, assignable
number for its region (not just the right length), which rejects most order ids and prices.

libphonenumber's matcher scans the whole text once per region, so a cheap regex first picks
digit runs that could be phone numbers and only those snippets go to the matcher.
"""
from __future__ import annotations

import re
from typing import ClassVar

from ...validators import PHONE_REGIONS

# Digit runs that could be numbers, with phone punctuation, plus an optional extension.
_CANDIDATE = re.compile(
    r"\+?\(?\d[\d\s().\-/]{4,22}\d(?:\s*(?:ext\.?|x|extension)\s*\d{1,6})?", re.IGNORECASE
)
_NOT_PHONE = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|\d{4}-\d{2}-\d{2}")
_MARGIN = 3
# Shortest subscriber numbers with an area code have 7 digits; an unpunctuated run must carry a
# full national number (10+ digits: 4155552671, 07700900123) to be believed.
_MIN_DIGITS = 7
_MIN_BARE_DIGITS = 10


class PhoneRecognizer:
    name = "pattern:phone"
    regions: ClassVar[tuple[str, ...]] = PHONE_REGIONS
    score_international = 0.9  # '+' prefix: the region is explicit
    score_national = 0.8

    def find(self, text: str) -> list[tuple[int, int, float]]:
        import phonenumbers

        found: dict[tuple[int, int], float] = {}
        for cand in _CANDIDATE.finditer(text):
            raw = cand.group()
            digits = sum(c.isdigit() for c in raw)
            if digits < _MIN_DIGITS or (digits > 15 and "x" not in raw.lower()) or _NOT_PHONE.fullmatch(raw):
                continue  # E.164 allows at most 15 digits; IPs and ISO dates are never numbers
            if raw.isdigit() and digits < _MIN_BARE_DIGITS:
                continue  # ids and order numbers: a short unpunctuated run is rarely dialled as written
            lo, hi = max(0, cand.start() - _MARGIN), min(len(text), cand.end() + _MARGIN)
            snippet = text[lo:hi]
            regions = self.regions[:1] if cand.group().startswith("+") else self.regions
            for region in regions:
                matched = False
                for m in phonenumbers.PhoneNumberMatcher(snippet, region, leniency=phonenumbers.Leniency.VALID):
                    score = self.score_international if m.raw_string.lstrip("(").startswith("+") else self.score_national
                    key = (lo + m.start, lo + m.end)
                    found[key] = max(score, found.get(key, 0.0))
                    matched = True
                if matched:
                    break  # the span is what matters, not which region also accepts it
        kept: list[tuple[int, int, float]] = []
        for (s, e), score in sorted(found.items(), key=lambda kv: (kv[0][0] - kv[0][1], kv[0][0])):
            if all(e <= ks or s >= ke for ks, ke, _ in kept):
                kept.append((s, e, score))
        return sorted(kept)
