"""replace: substitute a label placeholder such as <PERSON>, optionally numbered <PERSON_1>."""
from __future__ import annotations

import hashlib
import string

from ...linking import run_key
from .base import Operator, OperatorContext

_FIELDS = {"label", "n"}


class ReplaceOperator(Operator):
    """Replace the value with `template` ('{label}' and '{n}' are filled in).

    numbered: give each distinct value of a type its own number, in order of first
    appearance: '<PERSON_1>' ... The same value always gets the same number within a document
    (scope 'document') or across all documents of a run (scope 'run'); for types with
    `value.link`, the same person, organisation or place does ('Aisha Rahman', 'Aisha').
    """

    name = "replace"
    defaults = {"template": "<{label}>", "numbered": False, "scope": "document"}

    def validate(self) -> None:
        template = self._str("template")
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(template) if f is not None}
        except ValueError as exc:
            raise self._fail("template", f"is not a valid template: {exc}") from None
        bad = names - _FIELDS
        if bad:
            raise self._fail("template", f"may only use {{label}} and {{n}}, not {', '.join(sorted(bad))}")
        self.numbered = self._bool("numbered")
        self.scope = self._str("scope", choices=("document", "run"))
        if self.numbered and "n" not in names:
            # '<{label}>' numbered becomes '<{label}_{n}>'; other templates get '_{n}' appended
            template = template[:-1] + "_{n}" + template[-1] if template.endswith(">") else template + "_{n}"
        if "n" in names and not self.numbered:
            self.numbered = True
        self.template = template

    def _number(self, value: str, label: str, ctx: OperatorContext) -> int:
        # State is keyed by a digest, not the value, so a dumped state holds no raw PII.
        def digest_of(v: str) -> str:
            return ctx.keys.hmac_hex(v, label) if ctx.keys.has_key else hashlib.sha256(
                (label + "\x00" + v).encode("utf-8", "surrogatepass")).hexdigest()

        mention = getattr(ctx, "mention", None)  # linking.py: the mentions of one person, organisation or place share a number
        digest = digest_of(value if mention is None else f"{mention.kind}:{mention.key}")
        if self.scope == "run":
            with ctx.run_lock:
                if mention is not None:
                    digest = run_key(mention, ctx.run_state, digest_of)
                return self._assign(ctx.run_state, label, digest)
        return self._assign(ctx.doc_state, label, digest)

    @staticmethod
    def _assign(state: dict, label: str, digest: str) -> int:
        numbers = state.setdefault("replace.numbers", {}).setdefault(label, {})
        if digest not in numbers:
            numbers[digest] = len(numbers) + 1
        return numbers[digest]

    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        if self.numbered:
            return self.template.format(label=label, n=self._number(value, label, ctx))
        return self.template.format(label=label)
