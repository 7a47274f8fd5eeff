"""apply_operators: turn resolved spans into redacted text plus findings."""
from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any, Sequence

from ... import registry
from ...errors import JPTRedactError, OperatorError, PluginError
from ...findings import Finding, Span
from ...keys import KeyProvider
from ...linking import kinds_of, link_mentions
from .base import Operator, OperatorContext

if TYPE_CHECKING:  # pragma: no cover
    from ...policy import Policy

_CACHE: dict[tuple[Any, str, str], Operator] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 256


def new_context(keys: KeyProvider | None = None, run_state: dict | None = None) -> OperatorContext:
    """A context for one document. keys defaults to JPT_REDACT_KEY / JPT_REDACT_KEY_FILE.

    Pass the same run_state dict to the contexts of every document of a run to get
    run-wide consistency (replace with scope: run).
    """
    return OperatorContext(
        keys=keys if keys is not None else KeyProvider.from_env(),
        doc_state={},
        run_state=run_state if run_state is not None else {},
    )


def get_operator(action_type: str, params: dict | None = None) -> Operator:
    """The operator for an action, built through the registry and cached per (type, params)."""
    params = dict(params or {})
    cls = registry.operators.get(action_type)
    try:
        params_key = json.dumps(params, sort_keys=True, default=repr)
    except (TypeError, ValueError):
        params_key = repr(sorted(params.items()))
    key = (cls, action_type, params_key)
    with _CACHE_LOCK:
        op = _CACHE.get(key)
    if op is not None:
        return op
    try:
        op = cls(**params)
    except JPTRedactError:
        raise
    except Exception as exc:  # a broken plugin: name it, never echo its message (it may quote params)
        raise PluginError(f"operator {action_type!r} failed to start: {type(exc).__name__}") from exc
    if not isinstance(op, Operator) or not callable(getattr(op, "apply", None)):
        raise OperatorError(f"operator {action_type!r} does not implement jpt_redact.exporters.operators.base.Operator")
    with _CACHE_LOCK:
        if len(_CACHE) >= _CACHE_MAX:
            _CACHE.clear()
        return _CACHE.setdefault(key, op)


def build_operators(policy: "Policy") -> dict[str, Operator]:
    """Label -> its action's operator for every type of the policy, built now, so that a bad
    parameter fails before any document (OperatorError naming operator and parameter)."""
    get_operator(policy.defaults.action.type, policy.defaults.action.params)
    return {label: get_operator(a.type, a.params) for label in policy.entities for a in [policy.action_for(label)]}


def operators_needing_key(policy: "Policy") -> list[str]:
    """The action types of the policy whose operators need the key (Operator.needs_key)."""
    actions = [policy.action_for(label) for label in policy.entities]  # defaults.action only where used
    return sorted({a.type for a in actions if getattr(get_operator(a.type, a.params), "needs_key", False)})


def check_spans(text: str, spans: Sequence[Span]) -> list[Span]:
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    prev_end = 0
    for s in ordered:
        if s.end > len(text):
            raise OperatorError(f"span {s.label} {s.start}..{s.end} lies outside the text (length {len(text)})")
        if s.start < prev_end:
            raise OperatorError(f"span {s.label} {s.start}..{s.end} overlaps the previous span; resolve spans first")
        prev_end = s.end
    return ordered


def apply_operators(
    text: str, spans: Sequence[Span], policy: "Policy", ctx: OperatorContext
) -> tuple[str, tuple[Finding, ...]]:
    """Replace each span by its policy action's output; return the new text and findings.

    Findings keep the span (offsets into the input text), the action, the replacement
    (None for keep, which would be the raw value) and the keyed value hash (None without a
    key). The original value is never stored.
    """
    pieces: list[str] = []
    findings: list[Finding] = []
    cursor = 0
    ordered = check_spans(text, spans)
    mentions = link_mentions(text, ordered, kinds_of(policy.entities))  # one entity, one placeholder
    for index, span in enumerate(ordered):
        action = policy.action_for(span.label)
        op = get_operator(action.type, action.params)
        value = text[span.start : span.end]
        ctx.mention = mentions.get(index)
        try:
            replacement = op.apply(value, span.label, ctx)
        finally:
            ctx.mention = None
        if not isinstance(replacement, str):
            raise OperatorError(f"operator {action.type!r} returned {type(replacement).__name__}, not str")
        gap = text[cursor : span.start]
        if replacement == "" and getattr(op, "collapse_spaces", False):
            # 'call  now' -> 'call now': drop the space before the removed value
            if gap.endswith(" ") and text[span.end : span.end + 1] == " ":
                gap = gap[:-1]
        pieces.append(gap)
        pieces.append(replacement)
        cursor = span.end
        findings.append(
            Finding(
                span=span,
                action=action.type,
                replacement=None if action.type == "keep" else replacement,
                value_hash=ctx.keys.hmac_hex(value, span.label) if ctx.keys.has_key else None,
            )
        )
    pieces.append(text[cursor:])
    return "".join(pieces), tuple(findings)
