"""Passwords in assignments and prose: password=..., "passwd": "...", pwd: ..., 'password is ...'.

Only the value is the span. Placeholders (****, <password>, ${VAR}, changeme-style words
shorter than 4 characters) are skipped.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

# At most eight words before the name (db_admin_password): see api_key.py
_QUOTED = compile(
    r"(?<![\w-])[\"']?(?:[A-Za-z0-9]+[_-]){0,8}(?:password|passwd|passphrase|pwd|pass)[\"']?\s*(?:=|:|=>)\s*"
    r"(?P<q>[\"'])(?P<value>[^\"'\n]{4,128})(?P=q)",
    IGNORECASE,
    name="pattern:password",
)
# 'PWD=/home/mgarcia' (sudo logs, environment dumps) is the working directory, not a password
_BARE = compile(
    r"(?<![\w-])(?:[A-Za-z0-9]+[_-]){0,8}(?:password|passwd|passphrase|pwd(?![ \t]*=[ \t]*[/~]))\s*(?:=|:|=>)\s*(?P<value>[^\s\"',;&]{4,128})",
    IGNORECASE,
    name="pattern:password",
)
# `\s*(?::\s*)?`, not `\s*:?\s*` (quadratic on 'password is' + spaces)
_PROSE = compile(r"(?<!\w)(?:password|passcode|passphrase)\s+(?:is|was|=)\s*(?::\s*)?(?P<value>\S{4,128}?)(?=[.,;]?(?:\s|$))",
                 IGNORECASE, name="pattern:password")
_PLACEHOLDER = compile(r"^(?:\*+|x+|\.+|<[^>]*>|\$\{?[A-Za-z_][\w]*\}?|%\(?\w+\)?s?|\{\{.*\}\}|null|none|true|false|required|optional)$", IGNORECASE,
                       name="pattern:password")


class PasswordRecognizer(RegexRecognizer):
    name = "pattern:password"
    rules = ((_QUOTED, 0.9), (_BARE, 0.85), (_PROSE, 0.8))

    def check(self, value: str, score: float) -> float | None:
        return None if _PLACEHOLDER.match(value) else score
