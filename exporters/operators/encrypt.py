"""encrypt: replace the value with a reversible token [ENC:<label>:<base64url>].

Deterministic AES-SIV (RFC 5297) under a key derived from the master key: the same value
and type give the same token, so encrypted values can be joined without decrypting, and
`restore_text()` reverses the token with the key. The label is authenticated as associated
data, so a token moved to another label does not decrypt.
"""
from __future__ import annotations

import base64
import re

from ...errors import OperatorError
from ...policy import LABEL_PATTERN
from .base import Operator, OperatorContext

TOKEN_RE = re.compile(rf"\[ENC:({LABEL_PATTERN}):([A-Za-z0-9_-]+)\]")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def encrypt_value(value: str, label: str, keys) -> str:
    keys.require("encrypt")
    if not re.fullmatch(LABEL_PATTERN, label):
        raise OperatorError(f"encrypt: label {label!r} must be UPPER_SNAKE_CASE to form a token")
    ciphertext = keys.siv().encrypt(value.encode("utf-8", "surrogatepass"), [label.encode("ascii")])
    return f"[ENC:{label}:{_b64url(ciphertext)}]"


class EncryptOperator(Operator):
    name = "encrypt"
    defaults: dict = {}
    needs_key = True

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        return encrypt_value(value, label, ctx.keys)
