"""Phone numbers, found and validated by Google's libphonenumber (phonenumbers package).

Numbers written with a '+' country code are matched in any region; national formats are
tried for the regions in jpt_redact.validators.PHONE_REGIONS (shared with the `phone`
validator of inline patterns). Leniency VALID: the number must be a valid, assignable
number for its region (not just the right length), which rejects most order ids and prices.

libphonenumber's matcher scans the whole text once per region, so a cheap regex first picks
runs of digits and phone punctuation and only those snippets go to the matcher. A run with at
most 15 digits (E.164's limit) is one candidate number. A longer run with separators holds
several numbers side by side ('415-555-2671 415-555-2672', '(212) 555-0143 / (212) 555-0199'):
it is cut at spaces and slashes into pieces, and from each piece on, the longest group of up to
four pieces (7-15 digits) that parses as a valid number is taken, then the search goes on after
it; a group with unbalanced brackets is no number ('1111 (4111' of 'ending in 1111 (4111 1111
1111 1111)'). (The matcher itself is super-linear on long snippets, so it never sees a long run.)
"""
from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from ...safe_regex import IGNORECASE, compile
from ...validators import PHONE_REGIONS
from ._base import drop_nested

# Runs of digits with phone punctuation, plus an optional extension.
_CANDIDATE = compile(
    r"(?P<main>\+?\(?\d[\d\s().\-/]*\d)(?:\s*(?:ext\.?|x|extension)\s*\d{1,6})?", IGNORECASE,
    name="pattern:phone",
)
_NOT_PHONE = compile(r"\d{1,3}(?:\.\d{1,3}){3}|\d{4}-\d{2}-\d{2}", name="pattern:phone")
_PIECE = compile(r"[^\s/]+", name="pattern:phone")
_MAX_DIGITS = 15
_MAX_PIECES = 5  # "01 23 45 67 89", "+44 20 7946 0958"
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
        found: dict[tuple[int, int], float] = {}
        pos = 0
        while (cand := _CANDIDATE.search(text, pos)) is not None:
            furthest = self._consider(text, cand, found)
            # go on after the candidate's number, or after what was found in it if that reached
            # further: an 'extension' nobody took is read again ('4000000000000002 x 415-555-1000',
            # '010-01-0001 x 415-555-1000': 'x 415' belongs to the number after; found by
            # tests/test_fuzz_recognizers.py)
            pos = max(cand.end("main"), furthest)
        return drop_nested(found, key=lambda kv: (kv[0][0] - kv[0][1], kv[0][0]))

    def _consider(self, text: str, cand, found: dict) -> int:
        """Numbers in one candidate (a run of digits and phone punctuation) into `found`; the
        end of the furthest one (0: none)."""
        raw = cand.group()
        digits = sum(c.isdigit() for c in raw)
        main_digits = sum(c.isdigit() for c in cand.group("main"))
        if digits < _MIN_DIGITS:
            return 0
        if main_digits > _MAX_DIGITS:
            if cand.group("main").isdigit():  # one long digit string is no phone number
                return 0
            return self._scan_run(text, cand.start(), cand.end("main"), found)  # several side by side
        if _NOT_PHONE.fullmatch(raw):
            return 0  # IPs and ISO dates are never numbers
        if raw.isdigit() and digits < _MIN_BARE_DIGITS:
            return 0  # ids and order numbers: a short unpunctuated run is rarely dialled as written
        regions = self.regions[:1] if raw.startswith("+") else self.regions
        return self._match(text, cand.start(), cand.end(), regions, found, first_region_only=True)

    def _scan_run(self, text: str, start: int, end: int, found: dict) -> int:
        furthest = 0
        pieces = [m.span() for m in _PIECE.finditer(text, start, end) if any(c.isdigit() for c in m.group())]
        i = 0
        while i < len(pieces):
            for j in range(min(len(pieces), i + _MAX_PIECES), i, -1):
                s, e = pieces[i][0], pieces[j - 1][1]
                while e > s and not text[e - 1].isalnum():
                    e -= 1  # '(212) 555-0143,' ends at the digit
                group = text[s:e]
                if "/" in group:
                    continue  # a slash between pieces separates numbers ('... / (212) ...')
                if group.startswith("(") and ")" not in group:
                    # '... (415-555-1000': the bracket opens a remark and the number starts after it
                    # (rejecting the group left the number in the text; tests/test_fuzz_recognizers.py)
                    s, group = s + 1, group[1:]
                if group.count("(") != group.count(")"):
                    continue  # 'ending in 1111 (4111 1111 ...': a bracket opens the next value
                digits = sum(c.isdigit() for c in group)
                if not _MIN_DIGITS <= digits <= _MAX_DIGITS or _NOT_PHONE.fullmatch(group):
                    continue
                if group.isdigit() and digits < _MIN_BARE_DIGITS:
                    continue
                score = _valid_number(group, self.regions)
                if score is not None:
                    intl = group.lstrip("(").startswith("+")
                    found[(s, e)] = max(self.score_international if intl else self.score_national, found.get((s, e), 0.0))
                    furthest = max(furthest, e)
                    i = j
                    break
            else:
                i += 1
        return furthest

    def _match(self, text: str, start: int, end: int, regions, found: dict, *, first_region_only: bool) -> int:
        import phonenumbers

        lo, hi = max(0, start - _MARGIN), min(len(text), end + _MARGIN)
        snippet = text[lo:hi]
        furthest = 0
        for region in regions:
            matched = False
            for m in phonenumbers.PhoneNumberMatcher(snippet, region, leniency=phonenumbers.Leniency.VALID):
                score = self.score_international if m.raw_string.lstrip("(").startswith("+") else self.score_national
                key = (lo + m.start, lo + m.end)
                found[key] = max(score, found.get(key, 0.0))
                furthest = max(furthest, key[1])
                matched = True
            if matched and first_region_only:
                break  # the span is what matters, not which region also accepts it
        return furthest


@lru_cache(maxsize=4096)
def _valid_number(group: str, regions: tuple[str, ...]) -> bool | None:
    """True if `group` parses as a valid number ('+': any region, else one of `regions`);
    None otherwise. Cached: hostile input repeats the same groups."""
    import phonenumbers

    tried = (None,) if group.lstrip("(").startswith("+") else regions
    for region in tried:
        try:
            number = phonenumbers.parse(group, region)
            if number.extension is None and phonenumbers.is_valid_number(number):
                return True
        except phonenumbers.NumberParseException:
            continue
    return None
