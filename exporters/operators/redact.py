"""redact: remove the value entirely."""
from __future__ import annotations

from .base import Operator, OperatorContext


class RedactOperator(Operator):
    """Replace the value with nothing.

    collapse_spaces: when the removed value sat between two spaces, drop one of them so
    'call  now' does not appear. apply_operators() does this, since it sees the neighbours.
    """

    name = "redact"
    defaults = {"collapse_spaces": False}

    def validate(self) -> None:
        self.collapse_spaces = self._bool("collapse_spaces")

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        return ""
