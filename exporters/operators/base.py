"""The operator contract: what every action (mask, replace, hash, ...) implements.

An operator turns one detected value into its replacement. It validates its own parameters
when constructed, so a bad policy fails before any document is touched, and it never keeps
raw values in its own state: per-document and per-run memory lives in the OperatorContext.
"""
from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import OperatorError

if TYPE_CHECKING:  # pragma: no cover
    from ...keys import KeyProvider
    from ...linking import Mention

_RUN_LOCK_KEY = "__jpt_run_lock__"
_LOCK_CREATION = threading.Lock()


@dataclass
class OperatorContext:
    """What an operator may use besides the value: keys and state scoped to a document or run.

    `run_state` may be shared by several contexts (one per document, possibly on several
    threads); take `run_lock` before reading or writing it.
    """

    keys: "KeyProvider"
    doc_state: dict = field(default_factory=dict)
    run_state: dict = field(default_factory=dict)
    # The finding being replaced as a mention of a person, organisation or place (linking.py),
    # set by apply_operators for linked types: numbering and pseudonyms follow the entity.
    mention: "Mention | None" = None

    @property
    def run_lock(self) -> threading.RLock:
        # The lock lives inside run_state so every context sharing the dict shares the lock.
        lock = self.run_state.get(_RUN_LOCK_KEY)
        if lock is None:
            with _LOCK_CREATION:
                lock = self.run_state.setdefault(_RUN_LOCK_KEY, threading.RLock())
        return lock

    def for_next_document(self) -> "OperatorContext":
        """A fresh per-document context that keeps the keys and the shared run state."""
        return OperatorContext(keys=self.keys, doc_state={}, run_state=self.run_state)


class Operator(ABC):
    """Base class of all operators. Subclasses set `name` and `defaults` and implement apply().

    `defaults` lists every accepted parameter with its default value; anything else passed to
    the constructor is rejected with an OperatorError naming the operator and the parameter.
    """

    name: str = ""
    defaults: dict[str, Any] = {}
    # True for operators that cannot work without the key (hash, pseudonymize, encrypt): a
    # Redactor whose policy uses one refuses to start without a key instead of failing at the
    # first finding.
    needs_key: bool = False

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            accepted = ", ".join(sorted(self.defaults)) or "none"
            raise OperatorError(
                f"operator {self.name!r}: unknown parameter{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(map(repr, unknown))} (accepted: {accepted})"
            )
        self.params: dict[str, Any] = {**self.defaults, **params}
        self.validate()

    def validate(self) -> None:
        """Check self.params; raise OperatorError with a clear message. Override as needed."""

    @abstractmethod
    def apply(self, value: str, label: str, ctx: OperatorContext) -> str:
        """Return the replacement for `value`, a span of type `label`."""

    # -- parameter helpers (messages name the operator and parameter, never a value from text)
    def _fail(self, param: str, message: str) -> OperatorError:
        return OperatorError(f"operator {self.name!r}: parameter {param!r} {message}")

    def _int(self, param: str, *, lo: int | None = None, hi: int | None = None, optional: bool = False) -> int | None:
        v = self.params[param]
        if v is None and optional:
            return None
        if isinstance(v, bool) or not isinstance(v, int):
            raise self._fail(param, f"must be an integer, got {type(v).__name__}")
        if lo is not None and v < lo:
            raise self._fail(param, f"must be >= {lo}, got {v}")
        if hi is not None and v > hi:
            raise self._fail(param, f"must be <= {hi}, got {v}")
        return v

    def _bool(self, param: str) -> bool:
        v = self.params[param]
        if not isinstance(v, bool):
            raise self._fail(param, f"must be true or false, got {type(v).__name__}")
        return v

    def _str(self, param: str, *, choices: tuple[str, ...] | None = None) -> str:
        v = self.params[param]
        if not isinstance(v, str):
            raise self._fail(param, f"must be a string, got {type(v).__name__}")
        if choices is not None and v not in choices:
            raise self._fail(param, f"must be one of {', '.join(choices)}, got {v!r}")
        return v

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in sorted(self.params.items()))})"
