"""JPTRecognizer: jpt-redact detection as one Presidio EntityRecognizer.

    analyzer = AnalyzerEngine()
    analyzer.registry.add_recognizer(JPTRecognizer("hipaa"))

The recognizer reports what the native SDK finds (`Redactor.analyze`: the JPT model plus the
policy's own patterns, checksums and lists, after the resolver), under Presidio entity
names. The model loads once, in `load()` (Presidio's convention for model recognizers), and
is shared: engines are cached per process by model settings, and one recognizer may be used
from many threads.

Batching: Presidio hands recognizers one text at a time, also under BatchAnalyzerEngine, and
has no recognizer hook for a list of texts. `prefetch(texts)` runs the model over a list in
one call and keeps the results in a small per-text cache that `analyze` reads;
`JPTBatchAnalyzerEngine` calls it for each chunk of its input. With Presidio's own
BatchAnalyzerEngine each text costs one model call.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from ...errors import DetectionError
from ...version import __version__
from .entities import presidio_entity_mapping

if TYPE_CHECKING:  # pragma: no cover
    from presidio_analyzer.nlp_engine import NlpArtifacts

    from ...findings import Span
    from ...policy import Policy
    from ...redactor import Redactor

DEFINITION_PREVIEW_CHARS = 120
JPT_LABEL_KEY = "jpt_label"
JPT_RECOGNIZER_KEY = "jpt_recognizer"


def _text_key(text: str) -> str:
    # The cache is keyed by a digest, so it never holds a copy of the text.
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class JPTRecognizer(EntityRecognizer):
    """Presidio recognizer backed by a jpt-redact policy.

    policy: a built-in policy name ("hipaa"), a YAML path, a Policy, or a loaded Redactor
        (then `engine` and `use_model` are ignored: the Redactor already has them).
    entity_mapping: {policy label: Presidio entity name} overriding the policy's
        `presidio_entity` values (see entities.py).
    engine: a loaded JPT engine to use instead of loading `policy.model`.
    use_model: False runs only the policy's pattern, checksum and list recognizers.
    preload: load the model in load() (at construction), as Presidio's model recognizers do;
        False defers it to the first analyze().
    cache_size: texts whose results are kept (for prefetch and repeated texts).
    """

    def __init__(
        self,
        policy: "str | Path | Policy | Redactor" = "default",
        *,
        entity_mapping: Mapping[str, str] | None = None,
        engine: Any = None,
        use_model: bool = True,
        preload: bool = True,
        cache_size: int = 256,
        name: str = "JPTRecognizer",
        supported_language: str | None = None,
        version: str = __version__,
        context: list[str] | None = None,
    ) -> None:
        from ...policy import load_policy
        from ...redactor import Redactor

        if isinstance(policy, Redactor):
            self.redactor: Redactor | None = policy
            self.policy = policy.policy
        else:
            self.redactor = None
            self.policy = load_policy(policy)
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        # Settings are stored before super().__init__, which calls load().
        self.entity_mapping = presidio_entity_mapping(self.policy, entity_mapping)
        self.engine = engine
        self.use_model = use_model
        self.preload = preload
        self.cache_size = cache_size
        self._cache: OrderedDict[str, tuple["Span", ...]] = OrderedDict()
        self._cache_lock = threading.Lock()
        supported = list(dict.fromkeys(self.entity_mapping.values()))
        super().__init__(
            supported_entities=supported,
            name=name,
            supported_language=supported_language or self.policy.language,
            version=version,
            context=context,
        )

    # -- Presidio hooks ------------------------------------------------------------------
    def load(self) -> None:
        """Build the Redactor and (with preload) load the model once."""
        from ...redactor import Redactor

        if self.redactor is None:
            self.redactor = Redactor(self.policy, engine=self.engine, use_model=self.use_model)
        if self.preload:
            _ = self.redactor.engine  # ModelError here, at setup, rather than on the first text

    def analyze(
        self, text: str, entities: list[str] | None = None, nlp_artifacts: "NlpArtifacts | None" = None
    ) -> list[RecognizerResult]:
        """Results for `text`, restricted to `entities` (all supported ones if empty).

        Raises DetectionError if detection fails: a failed document is never reported clean.
        """
        wanted = set(self.supported_entities) if not entities else set(entities) & set(self.supported_entities)
        if not wanted or not text:
            return []
        spans = self._spans(text)
        results = []
        for span in spans:
            entity = self.entity_mapping.get(span.label, span.label)
            if entity in wanted:
                results.append(self._result(span, entity))
        return results

    # -- batching ------------------------------------------------------------------------
    def prefetch(self, texts: Sequence[str]) -> None:
        """Analyze many texts in one model call and cache the results for analyze().

        If the batch fails, nothing is cached: each text is then analyzed on its own, so the
        failing one raises its own DetectionError.
        """
        if self.cache_size == 0:
            return
        keys: dict[str, str] = {}
        with self._cache_lock:
            for t in texts:
                if isinstance(t, str) and t:
                    key = _text_key(t)
                    if key not in self._cache:
                        keys.setdefault(key, t)
        if not keys:
            return
        todo = list(keys.items())[-self.cache_size :]  # more would be evicted before use
        try:
            analyses = self._redactor().analyze_many([t for _, t in todo])
        except DetectionError:
            return
        with self._cache_lock:
            for (key, _), analysis in zip(todo, analyses):
                self._store(key, analysis.spans)

    def clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    # -- internals -----------------------------------------------------------------------
    def _redactor(self) -> "Redactor":
        if self.redactor is None:  # load() not run (a subclass skipped it): build on demand
            self.load()
        return self.redactor  # type: ignore[return-value]

    def _spans(self, text: str) -> tuple["Span", ...]:
        key = _text_key(text)
        with self._cache_lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        spans = self._redactor().analyze(text).spans
        with self._cache_lock:
            self._store(key, spans)
        return spans

    def _store(self, key: str, spans: tuple["Span", ...]) -> None:
        if self.cache_size == 0:
            return
        self._cache[key] = spans
        self._cache.move_to_end(key)
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def _result(self, span: "Span", entity: str) -> RecognizerResult:
        return RecognizerResult(
            entity_type=entity,
            start=span.start,
            end=span.end,
            score=float(span.score),
            analysis_explanation=self._explain(span),
            recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id,
                JPT_LABEL_KEY: span.label,
                JPT_RECOGNIZER_KEY: span.recognizer,
            },
        )

    def _explain(self, span: "Span") -> AnalysisExplanation:
        # Definitions are policy text, not PII, so quoting them is safe; the value never is.
        if span.from_model:
            definition = " ".join(self.policy.entities[span.label].definition.split())
            text = f"JPT match for definition of {span.label}: {definition[:DEFINITION_PREVIEW_CHARS]}"
            pattern_name = None
        else:
            text = f"jpt-redact {span.recognizer} match for {span.label}"
            pattern_name = span.recognizer
        return AnalysisExplanation(
            recognizer=self.name,
            original_score=float(span.score),
            pattern_name=pattern_name,
            textual_explanation=text,
        )

    def __repr__(self) -> str:
        return f"JPTRecognizer(policy={self.policy.name!r}, entities={len(self.supported_entities)})"
