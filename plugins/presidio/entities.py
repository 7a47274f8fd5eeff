"""Which Presidio entity name each policy label is reported as.

The default comes from the policy: `presidio_entity` where a type sets one (PERSON,
LOCATION, PHONE_NUMBER, US_SSN, ...), else the policy label itself (MEDICAL_RECORD_NUMBER
stays MEDICAL_RECORD_NUMBER). An `entity_mapping` argument overrides single labels, e.g.
{"STREET_ADDRESS": "STREET_ADDRESS"} to keep addresses apart from Presidio's LOCATION.
Several labels may share one Presidio name (STREET_ADDRESS and LOCATION -> LOCATION).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from ...errors import PolicyError

if TYPE_CHECKING:  # pragma: no cover
    from ...policy import Policy


def presidio_entity_mapping(policy: "Policy", overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """Policy label -> Presidio entity name, in policy order (overrides applied)."""
    mapping = {label: entity.presidio_entity or label for label, entity in policy.entities.items()}
    for label, name in (overrides or {}).items():
        if label not in mapping:
            raise PolicyError(
                f"entity_mapping: {label!r} is not a type of policy {policy.name!r} "
                f"(types: {', '.join(mapping)})"
            )
        if not isinstance(name, str) or not name.strip():
            raise PolicyError(f"entity_mapping: the Presidio name for {label!r} must be a non-empty string")
        mapping[label] = name.strip()
    return mapping


def labels_by_entity(mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """Presidio entity name -> the policy labels reported under it (policy order)."""
    out: dict[str, list[str]] = {}
    for label, name in mapping.items():
        out.setdefault(name, []).append(label)
    return out
