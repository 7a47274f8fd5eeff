"""Re-identification for one caller: the replacements made in *their* request, mapped back.

    vault = Vault()
    vault.add(original, result)                  # for every text of the request
    shown = render(answer, answer_result.findings, vault=vault)   # the caller's values restored

A vault lives for one request and holds only that request's values, in memory; it is never
logged, stored or shared, so a caller can only ever get back values they sent. A replacement
enters the vault only if it stands for exactly one value of the request (an `<PERSON>` used
for two different names is left as it is) and is at least MIN_REPLACEMENT characters long;
encrypted tokens, pseudonyms, keyed hashes and numbered placeholders qualify.

`render` composes the text shown for (a prefix of) an answer from the answer's own findings:
each finding is replaced as the policy says, except where the answer contains one of the
vault's replacements, which is restored. A finding that only partly overlaps such an
occurrence wins (the occurrence stays redacted): fail closed, never a value the answer's own
redaction wanted hidden.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MIN_REPLACEMENT = 3


class Vault:
    def __init__(self) -> None:
        self._values: dict[str, str] = {}
        self._ambiguous: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, original: str, result: Any) -> None:
        """Record the replacements of one redacted text (a RedactionResult of `original`)."""
        for f in result.findings:
            rep = f.replacement
            if rep is None or len(rep) < MIN_REPLACEMENT or f.action == "keep":
                continue
            value = original[f.span.start : f.span.end]
            if rep in self._ambiguous:
                continue
            known = self._values.get(rep)
            if known is not None and known != value:
                del self._values[rep]
                self._ambiguous.add(rep)
            else:
                self._values[rep] = value
        self._pattern = None

    def __len__(self) -> int:
        return len(self._values)

    def occurrences(self, text: str) -> list[tuple[int, int]]:
        if not self._values:
            return []
        if self._pattern is None:
            keys = sorted(self._values, key=len, reverse=True)  # longest first: no prefix wins
            self._pattern = re.compile("|".join(re.escape(k) for k in keys))
        return [(m.start(), m.end()) for m in self._pattern.finditer(text)]

    def original(self, replacement: str) -> str:
        return self._values[replacement]


def render(text: str, findings: Iterable[Any], end: int | None = None, vault: Vault | None = None) -> str:
    """The shown form of text[:end]: findings (all inside [0, end)) replaced, the vault's
    replacements restored. Findings must not overlap each other (the Redactor's never do)."""
    end = len(text) if end is None else end
    spans = [(f.span.start, f.span.end, f) for f in findings if f.span.end <= end]
    occ = [o for o in (vault.occurrences(text[:end]) if vault is not None else [])]
    # a finding inside an occurrence is the answer quoting the caller's own replacement
    spans = [s for s in spans if not any(o0 <= s[0] and s[1] <= o1 for o0, o1 in occ)]
    occ = [o for o in occ if not any(s[0] < o[1] and o[0] < s[1] for s in spans)]
    pieces: list[tuple[int, int, str]] = []
    for start, stop, f in spans:
        pieces.append((start, stop, text[start:stop] if f.replacement is None else f.replacement))
    for start, stop in occ:
        pieces.append((start, stop, vault.original(text[start:stop])))  # type: ignore[union-attr]
    out, cursor = [], 0
    for start, stop, shown in sorted(pieces):
        out.append(text[cursor:start])
        out.append(shown)
        cursor = stop
    out.append(text[cursor:end])
    return "".join(out)
