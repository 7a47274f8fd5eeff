"""jpt-redact operators as Presidio custom anonymizers.

Each class delegates to the native operator from the registry (`jpt_redact.registry.operators`), so a
value anonymized through Presidio gets the same keyed hash, pseudonym, AES-SIV token, mask or
numbered placeholder as through `Redactor.redact`, for the same label and key.

Presidio passes each operator `params` (from the OperatorConfig) plus `entity_type`. Keys
that are not native operator parameters:

- `entity_type` (added by Presidio): the label the value is hashed / encrypted / numbered under.
- `context`: an OperatorContext (keys + per-document and per-run state). JPTAnonymizerEngine
  injects a fresh one per document; numbered replace needs it.
- `keys`: a KeyProvider used when no context is given; without either, the key is read from
  JPT_REDACT_KEY / JPT_REDACT_KEY_FILE.

Presidio creates a new operator instance for every value; the native operator behind it is
cached per parameter set by `get_operator`, so this costs a dict lookup.
"""
from __future__ import annotations

from typing import Any, ClassVar, Dict

from presidio_anonymizer.entities import InvalidParamError
from presidio_anonymizer.operators import Operator, OperatorType

from ...exporters.operators.apply import get_operator, new_context
from ...exporters.operators.base import OperatorContext

RESERVED_PARAMS = frozenset({"entity_type", "context", "keys"})
OPERATOR_PREFIX = "jpt_"


def native_params(params: Dict[str, Any] | None) -> Dict[str, Any]:
    """The OperatorConfig params that belong to the native operator."""
    return {k: v for k, v in (params or {}).items() if k not in RESERVED_PARAMS}


class JPTOperator(Operator):
    """Base of the Presidio wrappers; subclasses set `native_name`."""

    native_name: ClassVar[str] = ""

    def operator_name(self) -> str:
        return OPERATOR_PREFIX + self.native_name

    def operator_type(self) -> OperatorType:
        return OperatorType.Anonymize

    def native(self, params: Dict[str, Any] | None):
        """The native operator for these params (OperatorError on a bad parameter)."""
        return get_operator(self.native_name, native_params(params))

    def validate(self, params: Dict[str, Any] = None) -> None:
        params = params or {}
        self.native(params)
        ctx = params.get("context")
        if ctx is not None and not isinstance(ctx, OperatorContext):
            raise InvalidParamError(f"{self.operator_name()}: 'context' must be an OperatorContext")

    def operate(self, text: str = None, params: Dict[str, Any] = None) -> str:
        params = params or {}
        label = params.get("entity_type")
        if not label:
            raise InvalidParamError(f"{self.operator_name()}: missing 'entity_type'")
        ctx = params.get("context") or new_context(keys=params.get("keys"))
        return self.native(params).apply(text, label, ctx)


class JPTHashOperator(JPTOperator):
    """Keyed HMAC-SHA256 digest (native `hash`): params length, prefix."""

    native_name = "hash"


class JPTPseudonymizeOperator(JPTOperator):
    """Consistent keyed surrogate (native `pseudonymize`): params locale."""

    native_name = "pseudonymize"


class JPTEncryptOperator(JPTOperator):
    """Deterministic AES-SIV token [ENC:<label>:...] (native `encrypt`), reversible with the key."""

    native_name = "encrypt"


class JPTMaskOperator(JPTOperator):
    """Native `mask` (char, keep_first, keep_last, preserve_separators), for the masks that
    Presidio's own `mask` (a fixed count from one end) cannot express."""

    native_name = "mask"


class JPTReplaceOperator(JPTOperator):
    """Native `replace` with numbering (<PERSON_1>, <PERSON_2>): needs a per-document context,
    which JPTAnonymizerEngine provides."""

    native_name = "replace"

    def validate(self, params: Dict[str, Any] = None) -> None:
        super().validate(params)
        params = params or {}
        if getattr(self.native(params), "numbered", False) and params.get("context") is None:
            raise InvalidParamError(
                "jpt_replace: numbered placeholders need a per-document context; "
                "anonymize with JPTAnonymizerEngine (build_anonymizer) or pass params['context']"
            )


CUSTOM_OPERATORS: tuple[type[JPTOperator], ...] = (
    JPTHashOperator, JPTPseudonymizeOperator, JPTEncryptOperator, JPTMaskOperator, JPTReplaceOperator,
)
