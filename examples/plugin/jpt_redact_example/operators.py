"""The `shout` operator: the value in capitals, followed by a suffix."""
from __future__ import annotations

from jpt_redact.exporters.operators.base import Operator, OperatorContext


class ShoutOperator(Operator):
    """Replace the value by its upper-case form plus `suffix` ("tck-42" -> "TCK-42!")."""

    name = "shout"
    defaults = {"suffix": "!"}  # every accepted parameter, with its default

    def validate(self) -> None:
        self.suffix = self._str("suffix")  # OperatorError naming operator and parameter if not a string

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        return value.upper() + self.suffix
