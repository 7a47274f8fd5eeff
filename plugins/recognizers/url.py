"""URLs with a scheme (http, https, ftp) or starting with 'www.'; trailing punctuation is not part of the URL."""
from __future__ import annotations

import re

from ._base import RegexRecognizer

_URL = re.compile(
    r"(?<![\w@/])(?:(?:https?|ftp)://|www\.)"
    r"[^\s<>\"'`]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?'\")]}>"


class UrlRecognizer(RegexRecognizer):
    name = "pattern:url"
    rules = ((_URL, 0.9),)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            # Drop sentence punctuation, but keep a ')' that closes a '(' inside the URL.
            while end > start and text[end - 1] in _TRAILING:
                if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                    break
                end -= 1
            value = text[start:end]
            host = re.sub(r"^(?:(?:https?|ftp)://|www\.)", "", value, flags=re.IGNORECASE)
            if "." in host.split("/")[0] or host.split("/")[0].startswith(("localhost", "[")):
                out.append((start, end, score))
        return out
