"""The engine protocol: what the detector asks of a model, declared once.

    scores = engine.score(texts, types)                 # the model runs here, once
    spans = scores[i].spans(thresholds, nested=False, span_extension={"ADDRESS": 0.6})

An engine reads texts against a set of types ({label: definition}) and returns, per text, a
`ModelScores`: what the model said before any threshold. Turning that into spans is cheap and
may be repeated at other thresholds (calibration does it hundreds of times) without running
the model again. `JPTEngine` (engine/jpt.py) is the implementation; tests and users may pass
any object with these members as `Redactor(engine=...)` / `Detector(engine=...)`.

Failures: `score` and `spans` may raise anything; the detector treats every exception from
them as a model failure of the documents involved (fail closed, never "no PII found").
Messages must not quote the text.
"""
from __future__ import annotations

from typing import Mapping, Protocol, Sequence, runtime_checkable

from ..findings import Span

DEFAULT_THRESHOLD = 0.5  # for a type missing from a thresholds mapping


@runtime_checkable
class ModelScores(Protocol):
    """The model's verdict on one text, before thresholds."""

    def spans(
        self,
        thresholds: Mapping[str, float],
        *,
        nested: bool = False,
        span_extension: float | Mapping[str, float] = 1.0,
    ) -> list[Span]:
        """Model spans (recognizer "jpt" or "jpt:<head>") at these per-type thresholds.

        nested: also report overlapping spans of other types above their thresholds.
        span_extension: hysteresis per type (or one value), see ModelSettings.span_extension;
            1 means no growth.
        """


@runtime_checkable
class Engine(Protocol):
    model_id: str  # recorded in audit logs
    backend_name: str

    def score(self, texts: Sequence[str], types: Mapping[str, str], *,
              batch_size: int | None = None) -> Sequence[ModelScores]:
        """One ModelScores per text, in order. `batch_size`: the engine's unit of work per
        forward pass (windows for JPTEngine); None: the engine's own setting."""
