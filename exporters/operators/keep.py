"""keep: leave the value as it is (the finding is still reported and audited)."""
from __future__ import annotations

from .base import Operator, OperatorContext


class KeepOperator(Operator):
    name = "keep"
    defaults: dict = {}

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        return value
