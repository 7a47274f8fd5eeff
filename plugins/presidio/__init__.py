"""Presidio integration: jpt-redact as a Presidio recognizer and as Presidio operators.

    from jpt_redact.plugins.presidio import JPTRecognizer, build_analyzer, build_anonymizer

    analyzer.registry.add_recognizer(JPTRecognizer("hipaa"))       # into an existing engine
    analyzer = build_analyzer("hipaa")                              # or a ready one
    anonymizer = build_anonymizer("hipaa")                          # the policy's actions
    result = anonymizer.anonymize(text, analyzer.analyze(text, language="en"))

Needs the optional extra: pip install 'jpt-redact[presidio]'. See docs/presidio.md.
"""
from __future__ import annotations

try:
    import presidio_analyzer  # noqa: F401
    import presidio_anonymizer  # noqa: F401
except ImportError as exc:  # pragma: no cover - the extra is installed wherever this is tested
    from ...errors import PluginError

    raise PluginError(
        "the Presidio integration needs presidio-analyzer and presidio-anonymizer: "
        "pip install 'jpt-redact[presidio]'"
    ) from exc

from .analyzer import (
    JPTBatchAnalyzerEngine,
    build_analyzer,
    lightweight_nlp_engine,
    presidio_rule_recognizers,
    small_spacy_model,
)
from .anonymizer import JPTAnonymizerEngine, build_anonymizer, default_operator_config, operator_config, operators_for
from .entities import presidio_entity_mapping
from .operators import (
    CUSTOM_OPERATORS,
    JPTEncryptOperator,
    JPTHashOperator,
    JPTMaskOperator,
    JPTOperator,
    JPTPseudonymizeOperator,
    JPTReplaceOperator,
)
from .recognizer import JPTRecognizer
from .yaml_config import JPTRecognizerConfig, register_yaml_config

register_yaml_config()

__all__ = [
    "CUSTOM_OPERATORS", "JPTAnonymizerEngine", "JPTBatchAnalyzerEngine", "JPTEncryptOperator", "JPTHashOperator",
    "JPTMaskOperator", "JPTOperator", "JPTPseudonymizeOperator", "JPTRecognizer", "JPTRecognizerConfig",
    "JPTReplaceOperator", "build_analyzer", "build_anonymizer", "default_operator_config", "lightweight_nlp_engine",
    "operator_config", "operators_for", "presidio_entity_mapping", "presidio_rule_recognizers", "small_spacy_model",
    "register_yaml_config",
]
