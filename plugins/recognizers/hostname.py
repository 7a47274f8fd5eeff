"""Host names written without a scheme (web-01.aisharahman.example, janes-laptop.local), after a
context word such as 'host', 'hostname', 'server', 'node' or 'machine' within 40 characters
before, in the same clause.

A host name is dot-separated labels of letters, digits and inner hyphens, the last one
starting with a letter; a name whose last label is a file extension (app.py, notes.txt) is a
file, not a host. Right after 'host:' / 'hostname=' a single label with a digit or hyphen
counts too (hostname: web-01). URLs (with a scheme) and email addresses are other types.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

NAME = "pattern:hostname"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_FQDN = compile(rf"(?<![\w.@/:-])(?:{_LABEL}\.)+[A-Za-z](?:[A-Za-z0-9-]{{0,61}}[A-Za-z0-9])?(?![\w@/-]|\.[A-Za-z0-9]|:/)",
                name=NAME)
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
    rules = ((_FQDN, 0.9), (_SINGLE, 0.85))

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

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            value = text[start:end]
            if "." in value:
                if value.rsplit(".", 1)[1].lower() in FILE_EXTENSIONS or not self._named_host(text, start):
                    continue
            elif not any(c.isdigit() or c == "-" for c in value):
                continue  # 'host: primary': a word, not a machine's name
            out.append((start, end, score))
        return out
