"""Email addresses: a local part of letters, digits and . _ % + - (the characters real mailboxes
use; RFC 5322 also allows = ' / and others, but in running text those are almost always
neighbours such as `ADMIN_EMAIL=jane@x.com` or a quote), and a domain with a letter TLD.

The domain is matched as one run of letters, digits, dots and hyphens and split into labels
here: as a regex, `(?:label\\.)+tld` backtracks in quadratic time in the regex module on a long
run of labels ('a@' + 'a.' * 10**4). The longest prefix of valid labels followed by a valid
TLD wins, which is what the regex's greedy backtracking chose.
"""
from __future__ import annotations

from ...safe_regex import compile
from ._base import RegexRecognizer

_EMAIL = compile(
    r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@(?P<domain>[A-Za-z0-9.-]+)",
    name="pattern:email",
)
_LABEL = compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", name="pattern:email")
_TLD = compile(r"[A-Za-z]{2,24}", name="pattern:email")
_WORD = compile(r"[\w-]", name="pattern:email")  # what may not follow the TLD


def _domain_end(text: str, start: int, end: int) -> int | None:
    """End of the longest `label.label...tld` at text[start:end], or None."""
    labels = text[start:end].split(".")
    valid = 0  # leading labels that are valid
    while valid < len(labels) and _LABEL.fullmatch(labels[valid]):
        valid += 1
    offsets = [start]
    for label in labels[:-1]:
        offsets.append(offsets[-1] + len(label) + 1)
    for t in range(min(valid, len(labels) - 1), 0, -1):
        tld_end = offsets[t] + len(labels[t])
        if _TLD.fullmatch(labels[t]) and _WORD.match(text, tld_end) is None:
            return tld_end
    return None


class EmailRecognizer(RegexRecognizer):
    name = "pattern:email"
    rules = ((_EMAIL, 0.95),)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        pos = 0
        while True:
            m = _EMAIL.search(text, pos)
            if m is None:
                return out
            end = _domain_end(text, m.start("domain"), m.end("domain"))
            if end is None:
                pos = m.start("domain")  # an address may start right after this '@'
                continue
            out.append((m.start(), end, 0.95))
            pos = end
