"""Host names written without a scheme (web-01.aisharahman.example, janes-laptop.local), after a
context word such as 'host', 'hostname', 'server', 'node' or 'machine' within 40 characters
before, in the same clause.

A host name is dot-separated labels of letters, digits and inner hyphens, the last one
starting with a letter; a name whose last label is a file extension (app.py, notes.txt) is a
file, not a host. Right after 'host:' / 'hostname=' a single label with a digit or hyphen
counts too (hostname: web-01). URLs (with a scheme) and email addresses are other types.

The dotted name is matched as one run of letters, digits, dots and hyphens and split into
labels here: as a regex, `(?:label\\.)+last` backtracks in quadratic time in the regex module on
a long run of labels (as in plugins/recognizers/email.py). The longest prefix of valid labels
ending in a valid last label, and not followed by more of a name, wins: what the regex's greedy
backtracking chose.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer, drop_nested

NAME = "pattern:hostname"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_RUN = compile(r"(?<![\w.@/:-])[A-Za-z0-9][A-Za-z0-9.-]*", name=NAME)
_LABEL_RE = compile(_LABEL, name=NAME)
_LAST_RE = compile(r"[A-Za-z](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?", name=NAME)
_NOT_AFTER = compile(r"[\w@/-]|\.[A-Za-z0-9]|:/", name=NAME)  # more of a name, an address or a path
_SINGLE = compile(rf"\b(?:host(?:[_ -]?name)?|node)[ \t]{{0,3}}[:=][ \t]{{0,3}}[\"']?(?P<value>{_LABEL})(?![\w.@-])",
                  IGNORECASE, name=NAME)
_CONTEXT = compile(r"\b(?:host(?:[_ -]?name)?s?|fqdn|servers?|nodes?|machines?|vhosts?|instances?|box(?:es)?)\b",
                   IGNORECASE, name=NAME)
FILE_EXTENSIONS = frozenset(
    "py js ts txt log md yaml yml json csv tsv html htm xml toml ini cfg conf sh bat exe dll so jpg jpeg png gif pdf doc "
    "docx xls xlsx ppt zip gz tar tgz bz2 sql db sqlite lock env bak tmp out err pem key crt".split()
)


class HostnameRecognizer(RegexRecognizer):
    name = NAME
    rules = ((_SINGLE, 0.85),)
    fqdn_score = 0.9

    @staticmethod
    def _named_host(text: str, start: int) -> bool:
        """A context word within 40 characters before, in the same clause (no ';', '. ' or line break)."""
        last = None
        for m in _CONTEXT.finditer(text, max(0, start - 40), start):
            last = m
        if last is None:
            return False
        between = text[last.end() : start]
        return not any(c in between for c in ";\n") and ". " not in between

    @staticmethod
    def _fqdn_end(text: str, start: int, end: int) -> int | None:
        """End of the longest `label.label...last` at text[start:end] not followed by more of a name."""
        labels = text[start:end].split(".")
        valid = 0  # leading labels that are valid
        while valid < len(labels) and _LABEL_RE.fullmatch(labels[valid]):
            valid += 1
        ends = [start + len(labels[0])]
        for label in labels[1:]:
            ends.append(ends[-1] + 1 + len(label))
        for t in range(min(valid, len(labels) - 1), 0, -1):
            if _LAST_RE.fullmatch(labels[t]) and _NOT_AFTER.match(text, ends[t]) is None:
                return ends[t]
        return None

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found = {(s, e): score for s, e, score in super().find(text)}
        for m in _RUN.finditer(text):
            if "." not in m.group():
                continue  # _RUN starts at every word; only dotted ones can be a name's labels
            end = self._fqdn_end(text, m.start(), m.end())
            if end is not None:
                found[(m.start(), end)] = max(self.fqdn_score, found.get((m.start(), end), 0.0))
        out = []
        for start, end, score in drop_nested(found):
            value = text[start:end]
            if "." in value:
                if value.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS or not self._named_host(text, start):
                    continue
            elif not any(c.isdigit() or c == "-" for c in value):
                continue  # 'host: primary': a word, not a machine's name
            out.append((start, end, score))
        return out
