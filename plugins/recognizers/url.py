"""URLs with a scheme (http, https, ftp) or starting with 'www.'; trailing punctuation is not part of the URL."""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

_URL = compile(
    r"(?<![\w@/])(?:(?:https?|ftp)://|www\.)"
    r"[^\s<>\"'`]+",
    IGNORECASE,
    name="pattern:url",
)
_SCHEME = compile(r"^(?:(?:https?|ftp)://|www\.)", IGNORECASE, name="pattern:url")
_TRAILING = ".,;:!?'\")]}>"


class UrlRecognizer(RegexRecognizer):
    name = "pattern:url"
    rules = ((_URL, 0.9),)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            # Drop sentence punctuation, but keep a ')' that closes a '(' inside the URL. The
            # parentheses are counted once and updated as the end moves (counting per step is
            # quadratic on a URL followed by a long run of ')').
            opened, closed = text.count("(", start, end), text.count(")", start, end)
            while end > start and text[end - 1] in _TRAILING:
                if text[end - 1] == ")":
                    if opened >= closed:
                        break
                    closed -= 1
                end -= 1
            value = text[start:end]
            host = _SCHEME.sub("", value)
            if "." in host.split("/")[0] or host.split("/")[0].startswith(("localhost", "[")):
                out.append((start, end, score))
        return out
