"""mask: overwrite characters with a mask character, optionally keeping a few at the ends."""
from __future__ import annotations

from .base import Operator, OperatorContext


class MaskOperator(Operator):
    """Replace each character by `char`; keep_first/keep_last leave that many visible.

    With preserve_separators, characters that are not letters or digits (dashes, spaces, dots,
    '@') stay in place and keep_first/keep_last count only letters and digits, so a card
    number masks as '****-****-****-1234'. If the kept characters would reveal the whole
    value, everything is masked: a mask never returns the value unchanged.
    """

    name = "mask"
    defaults = {"char": "*", "keep_first": 0, "keep_last": 0, "preserve_separators": False}

    def validate(self) -> None:
        char = self._str("char")
        if len(char) != 1:
            raise self._fail("char", f"must be exactly one character, got {len(char)}")
        self.char = char
        self.keep_first = self._int("keep_first", lo=0, hi=1000)
        self.keep_last = self._int("keep_last", lo=0, hi=1000)
        self.preserve_separators = self._bool("preserve_separators")

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        if self.preserve_separators:
            maskable = [i for i, c in enumerate(value) if c.isalnum()]
        else:
            maskable = list(range(len(value)))
        n = len(maskable)
        keep_first, keep_last = self.keep_first, self.keep_last
        if keep_first + keep_last >= n:
            keep_first = keep_last = 0
        hidden = set(maskable[keep_first : n - keep_last])
        return "".join(self.char if i in hidden else c for i, c in enumerate(value))
