"""The detector: engine + recognizers + resolver for one policy, the one path from text to spans.

    detector = Detector(policy)                    # recognizers built now; the model on first use
    spans = detector.detect(texts)                 # what Redactor.analyze returns, per text
    found = detector.candidates(texts)             # the model and the recognizers run once ...
    spans = detector.resolve(found[0], {"PERSON": 0.4})   # ... spans at any thresholds, cheaply

The Redactor, eval and the Presidio adapter (through the Redactor) and calibrate (directly)
all go through this class, so a threshold fitted by calibrate means what it means in
production. What it does per text:

1. the engine scores the text against the policy's model types (engine/base.py: `score`);
2. the policy's pattern, checksum, list and plugin recognizers run (recognizer.py);
3. model spans are decoded at the thresholds (policy's, or given), with the policy's
   `nested` and per-type `span_extension`;
4. the resolver (resolver.py) turns all candidates into the final non-overlapping spans,
   framed by whole_values.py: context checks before it, whole values and merged fragments after.

Failures: an exception from the engine (scoring or decoding) is raised as `ModelFailure`
(cause attached), one from a recognizer as itself, and a model that cannot be loaded as
`ModelError`: the Redactor maps them to fail-closed DetectionErrors per document.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping, Sequence

from .engine.base import Engine, ModelScores
from .errors import JPTRedactError, ModelError
from .findings import Span
from .recognizer import Recognizer, build_recognizers, run_recognizers
from .resolver import resolve
from .whole_values import screen, whole

if TYPE_CHECKING:  # pragma: no cover
    from .policy import Policy


class ModelFailure(Exception):
    """An exception raised inside the engine (as opposed to a recognizer), with its cause."""

    def __init__(self, cause: BaseException):
        super().__init__(type(cause).__name__)
        self.cause = cause


@dataclass(frozen=True)
class Candidates:
    """Everything proposed for one text before thresholds and the resolver."""

    text: str
    model: ModelScores | None  # None: empty text, or no model
    recognized: tuple[Span, ...]


class Detector:
    """Finds PII spans for a policy. Thread-safe; the engine loads once, on first use."""

    def __init__(self, policy: "Policy", *, engine: Engine | None = None, use_model: bool = True) -> None:
        self.policy = policy
        self.model_types = policy.model_types()
        self.use_model = bool(use_model) and bool(self.model_types)
        self.thresholds = {label: policy.threshold_for(label) for label in self.model_types}
        self.span_extension = {label: policy.span_extension_for(label) for label in self.model_types}
        self.nested = policy.model.nested
        self._recognizers = build_recognizers(policy)  # config errors surface now, before any text
        self._engine = engine
        self._engine_lock = threading.Lock()

    # -- parts ---------------------------------------------------------------------------
    @property
    def engine(self) -> Engine | None:
        """The engine, loaded on first access (ModelError if it cannot be); None without a model."""
        if not self.use_model:
            return None
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    from .engine.loader import load_engine

                    try:
                        self._engine = load_engine(self.policy.model)
                    except JPTRedactError:
                        raise
                    except Exception as exc:
                        raise ModelError(f"cannot load the JPT model ({type(exc).__name__})") from exc
        return self._engine

    @property
    def loaded_engine(self) -> Engine | None:
        """The engine if it is loaded already; never triggers a load."""
        return self._engine if self.use_model else None

    @property
    def recognizers(self) -> tuple[tuple[str, Recognizer], ...]:
        """(label, recognizer) pairs of the policy's non-model recognizers."""
        return tuple(self._recognizers)

    # -- detection ---------------------------------------------------------------------------
    def candidates(self, texts: Sequence[str]) -> list[Candidates]:
        """Run the model (one engine call for all non-empty texts) and the recognizers."""
        nonempty = [i for i, t in enumerate(texts) if t]
        scored: dict[int, ModelScores] = {}
        if self.use_model and nonempty:
            engine = self.engine  # ModelError propagates: a setup problem, not this text's
            try:
                found = list(engine.score([texts[i] for i in nonempty], self.model_types))  # type: ignore[union-attr]
            except Exception as exc:
                raise ModelFailure(exc) from exc
            if len(found) != len(nonempty):
                raise ModelFailure(RuntimeError("engine returned a result count that does not match the input"))
            scored = dict(zip(nonempty, found))
        return [
            Candidates(text, scored.get(i), tuple(run_recognizers(text, self._recognizers)) if text else ())
            for i, text in enumerate(texts)
        ]

    def model_spans(self, found: Candidates, thresholds: Mapping[str, float] | None = None) -> list[Span]:
        if found.model is None:
            return []
        try:
            return list(found.model.spans(self._thresholds(thresholds), nested=self.nested,
                                          span_extension=self.span_extension))
        except Exception as exc:
            raise ModelFailure(exc) from exc

    def resolve(self, found: Candidates, thresholds: Mapping[str, float] | None = None) -> tuple[Span, ...]:
        """The final spans of one text at `thresholds` (per type; missing types: the policy's)."""
        if not found.text:
            return ()
        candidates = self.model_spans(found, thresholds) + list(found.recognized)
        # whole_values.py: context checks before the resolver, whole values after it
        candidates = screen(found.text, candidates, self.policy)
        spans = resolve(found.text, candidates, self.policy, self._thresholds(thresholds))
        return whole(found.text, spans, self.policy, candidates)

    def detect(self, texts: Sequence[str], thresholds: Mapping[str, float] | None = None) -> list[tuple[Span, ...]]:
        """Final spans per text, in order."""
        return [self.resolve(found, thresholds) for found in self.candidates(texts)]

    def _thresholds(self, override: Mapping[str, float] | None) -> Mapping[str, float]:
        return self.thresholds if not override else {**self.thresholds, **override}
