"""A policy's actions as Presidio OperatorConfigs, and an AnonymizerEngine that applies them.

    anonymizer = build_anonymizer("default")
    result = anonymizer.anonymize(text, analyzer_results)     # the policy's operators by default

Action -> Presidio operator:

| policy action                               | Presidio operator | params |
|---------------------------------------------|-------------------|--------|
| replace (not numbered)                      | replace           | new_value = template with {label} = entity name |
| replace, numbered                           | jpt_replace       | native params |
| mask without keep_first/keep_last/separators | mask             | masking_char, chars_to_mask (all), from_end |
| mask with any of those                      | jpt_mask          | native params |
| redact                                      | redact            | (collapse_spaces is not applied) |
| keep                                        | keep              | |
| hash / pseudonymize / encrypt               | jpt_hash / jpt_pseudonymize / jpt_encrypt | native params |

Operators are keyed by Presidio entity name, and the label a value is hashed, encrypted,
numbered or templated under is that name: anonymization only sees `entity_type`. Output
equals the native SDK's when the policy label is the Presidio name (PERSON, US_SSN, ...).
When several labels share a Presidio name their actions must agree (else PolicyError: give
one of them its own name with `entity_mapping`). `DEFAULT` takes `defaults.action`.
"""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Dict, List, Optional

from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from presidio_anonymizer.operators import OperatorType

from ...errors import PolicyError
from .entities import labels_by_entity, presidio_entity_mapping
from .operators import CUSTOM_OPERATORS, OPERATOR_PREFIX, JPTReplaceOperator

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ...keys import KeyProvider
    from ...policy import ActionSpec, Policy

DEFAULT_KEY = "DEFAULT"
MASK_EVERYTHING = 2**31 - 1  # Presidio masks min(len(value), chars_to_mask) characters


def operator_config(action: "ActionSpec", entity: str) -> OperatorConfig:
    """The Presidio OperatorConfig for one policy action on values reported as `entity`."""
    from ...exporters.operators.apply import get_operator

    params = dict(action.params)
    native = get_operator(action.type, params)  # validates the parameters (OperatorError)
    if action.type == "replace":
        if native.numbered:
            return OperatorConfig(OPERATOR_PREFIX + "replace", params)
        return OperatorConfig("replace", {"new_value": native.template.format(label=entity)})
    if action.type == "mask":
        if native.keep_first or native.keep_last or native.preserve_separators:
            return OperatorConfig(OPERATOR_PREFIX + "mask", params)
        return OperatorConfig(
            "mask", {"masking_char": native.char, "chars_to_mask": MASK_EVERYTHING, "from_end": False}
        )
    if action.type in ("redact", "keep"):
        return OperatorConfig(action.type, {})
    return OperatorConfig(OPERATOR_PREFIX + action.type, params)


def default_operator_config(action: "ActionSpec") -> OperatorConfig:
    """The OperatorConfig for entity types outside the policy (Presidio's DEFAULT key)."""
    from ...exporters.operators.apply import get_operator

    if action.type == "replace":
        native = get_operator("replace", dict(action.params))
        if native.numbered or native.template != "<{label}>":
            return OperatorConfig(OPERATOR_PREFIX + "replace", dict(action.params))  # templated per entity
        return OperatorConfig("replace", {})  # Presidio writes <ENTITY_TYPE>, as '<{label}>' does
    return operator_config(action, "")


def operators_for(
    policy: "str | Path | Policy", *, entity_mapping: Mapping[str, str] | None = None
) -> Dict[str, OperatorConfig]:
    """Presidio entity name -> OperatorConfig for every type of the policy, plus DEFAULT."""
    from ...policy import load_policy

    policy = load_policy(policy)
    mapping = presidio_entity_mapping(policy, entity_mapping)
    out: Dict[str, OperatorConfig] = {}
    for entity, labels in labels_by_entity(mapping).items():
        configs = [operator_config(policy.action_for(label), entity) for label in labels]
        if any(c != configs[0] for c in configs[1:]):
            raise PolicyError(
                f"types {', '.join(labels)} are all reported to Presidio as {entity} but have different "
                f"actions; give some of them their own Presidio name with entity_mapping, "
                f"e.g. {{{labels[-1]!r}: {labels[-1]!r}}}"
            )
        out[entity] = configs[0]
    out.setdefault(DEFAULT_KEY, default_operator_config(policy.defaults.action))
    return out


class JPTAnonymizerEngine(AnonymizerEngine):
    """AnonymizerEngine with jpt-redact's operators registered and a policy's operators as default.

    Per document it creates one OperatorContext (keys, per-document state; per-run state is
    kept for the engine's lifetime), so numbered placeholders count from 1 in each document
    and in order of appearance, as in the native SDK. Operators passed to anonymize() override
    the policy's per entity. Safe to share between threads.
    """

    def __init__(
        self,
        policy: "str | Path | Policy | None" = None,
        *,
        keys: "KeyProvider | None" = None,
        entity_mapping: Mapping[str, str] | None = None,
    ) -> None:
        from ...policy import load_policy

        super().__init__()
        for cls in CUSTOM_OPERATORS:
            self.add_anonymizer(cls)
        self.policy = load_policy(policy) if policy is not None else None
        self.operators: Dict[str, OperatorConfig] = (
            operators_for(self.policy, entity_mapping=entity_mapping) if self.policy is not None else {}
        )
        self._keys = keys
        self._keys_lock = threading.Lock()
        self._run_state: dict = {}

    @property
    def keys(self) -> "KeyProvider":
        if self._keys is None:
            with self._keys_lock:
                if self._keys is None:
                    from ...keys import KeyProvider

                    env = self.policy.audit.hash_key_env if self.policy is not None else "JPT_REDACT_KEY"
                    self._keys = KeyProvider.from_env(env)
        return self._keys

    def anonymize(self, text: str, analyzer_results: List[Any], operators: Optional[Dict[str, OperatorConfig]] = None,
                  **kwargs: Any):
        merged = {**self.operators, **(operators or {})}
        return super().anonymize(text, analyzer_results, merged or None, **kwargs)

    def _operate(self, text: str, pii_entities: List[Any], operators_metadata: Dict[str, OperatorConfig],
                 operator_type: OperatorType, **operator_kwargs: Any):
        if operator_type != OperatorType.Anonymize or not any(
            c.operator_name.startswith(OPERATOR_PREFIX) for c in operators_metadata.values()
        ):
            return super()._operate(text, pii_entities, operators_metadata, operator_type, **operator_kwargs)
        from ...exporters.operators.apply import new_context

        ctx = new_context(keys=self.keys, run_state=self._run_state)
        with_ctx = {
            entity: OperatorConfig(c.operator_name, {**c.params, "context": ctx})
            if c.operator_name.startswith(OPERATOR_PREFIX) else c
            for entity, c in operators_metadata.items()
        }
        self._number_in_reading_order(text, pii_entities, with_ctx, ctx)
        return super()._operate(text, pii_entities, with_ctx, operator_type, **operator_kwargs)

    @staticmethod
    def _number_in_reading_order(text: str, entities: List[Any], configs: Dict[str, OperatorConfig], ctx: Any) -> None:
        """Presidio operates from the end of the text backwards; numbered placeholders are
        assigned here first, left to right, so <PERSON_1> is the first person in the text."""
        replace_name = JPTReplaceOperator().operator_name()
        for entity in sorted(entities, key=lambda e: (e.start, e.end)):
            config = configs.get(entity.entity_type) or configs.get(DEFAULT_KEY)
            if config is None or config.operator_name != replace_name:
                continue
            op = JPTReplaceOperator().native(config.params)
            if op.numbered:
                op.apply(text[entity.start : entity.end], entity.entity_type, ctx)


def build_anonymizer(
    policy: "str | Path | Policy",
    *,
    keys: "KeyProvider | None" = None,
    entity_mapping: Mapping[str, str] | None = None,
) -> JPTAnonymizerEngine:
    """A JPTAnonymizerEngine applying the policy's actions (see the table above).

    keys: KeyProvider for hash / pseudonymize / encrypt; None reads the variable named by
    `policy.audit.hash_key_env` (JPT_REDACT_KEY by default) on first use.
    """
    return JPTAnonymizerEngine(policy, keys=keys, entity_mapping=entity_mapping)


__all__ = ["JPTAnonymizerEngine", "build_anonymizer", "default_operator_config", "operator_config", "operators_for"]
