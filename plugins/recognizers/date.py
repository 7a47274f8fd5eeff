"""Calendar dates: ISO 8601 (2021-03-05, with optional time), numeric day/month/year in either
order (03/05/2021, 5.3.2021, 5/3/21), and month-name dates (March 5, 2021; 5 Mar 2021; 5th of March).

Every candidate must be a real calendar date (datetime accepts it). A bare year, a bare
number, a fraction (3/4) or a version number (1.2.3) is not a date. Years are 1900-2099 for
four-digit years, any two-digit year otherwise.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from ...safe_regex import IGNORECASE, compile
from ._base import drop_nested

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"

_ISO = compile(
    r"(?<![\w.:/-])(?P<year>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)"
    r"(?:[T ][0-2]\d:[0-5]\d(?::[0-5]\d(?:\.\d+)?)?(?:Z|[+-][0-2]\d:?[0-5]\d)?)?(?![\w:/-]|\.\d)",
    name="pattern:date",
)
_NUMERIC = compile(
    r"(?<![\w.:/-])(?P<a>[0-3]?\d)(?P<sep>[/.-])(?P<b>[0-3]?\d)(?P=sep)(?P<year>(?:19|20)\d{2}|\d{2})(?![\w:/-]|\.\d)",
    name="pattern:date",
)
_DAY_MONTH_YEAR = compile(rf"(?<!\w){_DAY}(?:\s+of)?[\s-]+{_MONTH}(?:,?[\s-]+{_YEAR})?(?!\w)", IGNORECASE, name="pattern:date")
_MONTH_DAY_YEAR = compile(rf"(?<!\w){_MONTH}\s+{_DAY}(?:,?\s+{_YEAR})?(?![\w:])", IGNORECASE, name="pattern:date")
_MONTH_YEAR = compile(rf"(?<!\w){_MONTH},?\s+{_YEAR}(?!\w)", IGNORECASE, name="pattern:date")


def _real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _year(text: str | None) -> int:
    if text is None:
        return 2000  # leap year, so 'Feb 29' without a year is accepted
    y = int(text)
    return y + 2000 if len(text) == 2 else y


class DateRecognizer:
    name = "pattern:date"

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: dict[tuple[int, int], float] = {}

        def add(m: Any, score: float) -> None:
            start, end = m.span()
            if text[end - 1] == ".":
                end -= 1  # 'on 2 May.': a month's abbreviation dot at the end is the sentence's
            key = (start, end)
            found[key] = max(score, found.get(key, 0.0))

        for m in _ISO.finditer(text):
            if _real(int(m["year"]), int(m["m"]), int(m["d"])):
                add(m, 0.9)
        for m in _NUMERIC.finditer(text):
            a, b, y = int(m["a"]), int(m["b"]), _year(m["year"])
            if m["sep"] == "." and len(m["year"]) == 2:
                continue  # 1.2.21 and 8.25.29 read as version numbers more often than as dates
            if _real(y, a, b) or _real(y, b, a):
                add(m, 0.8 if len(m["year"]) == 4 else 0.7)
        for regex in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
            for m in regex.finditer(text):
                month = _MONTHS[m["mon"].lower()[:3]]
                if _real(_year(m["year"]), month, int(m["day"])):
                    add(m, 0.9 if m["year"] else 0.75)
        for m in _MONTH_YEAR.finditer(text):
            add(m, 0.7)
        return drop_nested(found)
