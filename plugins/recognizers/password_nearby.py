"""Passwords said in prose near the word: 'the root password if that helps, it's Tr0ub4dor&3horse'.

The `password` recognizer needs 'password: X' or 'password is X'; people write the value a
few words later. This one takes a token within 60 characters after 'password', 'passcode',
'passphrase' or 'PIN' on the same line, if the token looks generated: 8 to 64
characters with at least three of lower case, upper case, digits and symbols (an upper-case
letter or a symbol other than '._-' among them: web-01.example.org is a name), two letters
or more, and not an email address, URL, path or key=value pair (USER=root). Its
score (0.75) is below that of the labelled forms: only the shape and the nearby word vouch.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile

NAME = "pattern:password_nearby"
# not PWD: in logs and shells it is the working directory
_KEYWORD = compile(r"\b(?:pass(?:word|wd|code|phrase)s?|pin)\b", IGNORECASE, name=NAME)
_TOKEN = compile(r"(?<![^\s\"'(\[])[^\s\"'()\[\]<>`]{8,64}(?![^\s\"'()\[\]<>`])", name=NAME)
_TRAILING = ".,;:!?"
WINDOW = 60
SCORE = 0.75


def looks_generated(value: str) -> bool:
    classes = (any(c.islower() for c in value), any(c.isupper() for c in value), any(c.isdigit() for c in value),
               any(not c.isalnum() for c in value))
    if len(value) < 8 or sum(classes) < 3 or sum(c.isalpha() for c in value) < 2:
        return False
    if not classes[1] and all(c.isalnum() or c in "._-" for c in value):
        return False  # web-01.example.org, build_2024-06: names in lower case, not generated
    at = value.find("@")
    return not ((at >= 0 and "." in value[at:]) or "://" in value or "=" in value or value.startswith(("/", "~")))


class PasswordNearbyRecognizer:
    name = NAME

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: set[tuple[int, int]] = set()
        for k in _KEYWORD.finditer(text):
            line_end = text.find("\n", k.end())
            stop = min(k.end() + WINDOW, len(text) if line_end < 0 else line_end)
            for m in _TOKEN.finditer(text, k.end(), stop):
                start, end = m.span()
                while end > start and text[end - 1] in _TRAILING:
                    end -= 1
                if looks_generated(text[start:end]):
                    found.add((start, end))
        return [(s, e, SCORE) for s, e in sorted(found)]
