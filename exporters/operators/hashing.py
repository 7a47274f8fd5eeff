"""hash: replace the value with a keyed HMAC-SHA256 digest (hex).

There is deliberately no unkeyed mode. Names, phone numbers, SSNs and dates have so few
possible values that a plain SHA-256 is reversed by hashing every candidate; only a secret
key makes the digest one-way in practice.
"""
from __future__ import annotations

from ...errors import OperatorError
from .base import Operator, OperatorContext
from ...keys import NO_KEY_MESSAGE


class HashOperator(Operator):
    """Output `prefix` + the first `length` hex digits of HMAC-SHA256(key, label, value).

    The same value and type always give the same digest under the same key, so hashed
    values can still be joined across documents. The digest equals the start of the
    finding's audit value_hash.
    """

    name = "hash"
    defaults = {"length": 16, "prefix": ""}
    needs_key = True

    def validate(self) -> None:
        self.length = self._int("length", lo=8, hi=64)
        self.prefix = self._str("prefix")

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        if not ctx.keys.has_key:
            raise OperatorError(
                f"{NO_KEY_MESSAGE}. The hash operator refuses to hash without a key: unkeyed hashes of "
                "low-entropy values (names, phone numbers, SSNs, dates) are reversed by hashing every candidate"
            )
        return self.prefix + ctx.keys.hmac_hex(value, label)[: self.length]
