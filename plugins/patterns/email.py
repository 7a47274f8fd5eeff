"""Email addresses (RFC 5322 'dot-atom' local part, a domain with a letter TLD)."""
from __future__ import annotations

import re

from ._base import RegexRecognizer

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w-])"
)


class EmailRecognizer(RegexRecognizer):
    name = "pattern:email"
    rules = ((_EMAIL, 0.95),)
