"""Email addresses: a local part of letters, digits and . _ % + - (the characters real mailboxes
use; RFC 5322 also allows = ' / and others, but in running text those are almost always
neighbours such as `ADMIN_EMAIL=jane@x.com` or a quote), and a domain with a letter TLD."""
from __future__ import annotations

from ...safe_regex import compile
from ._base import RegexRecognizer

_EMAIL = compile(
    r"(?<![\w.%+-])[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])",
    name="pattern:email",
)


class EmailRecognizer(RegexRecognizer):
    name = "pattern:email"
    rules = ((_EMAIL, 0.95),)
