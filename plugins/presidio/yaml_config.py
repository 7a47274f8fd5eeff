"""Declaring JPTRecognizer in Presidio's recognizer-registry YAML.

Presidio validates each `type: predefined` entry with a pydantic model and passes only the
fields that model knows to the recognizer's constructor; its generic model drops unknown
keys, so `policy: hipaa` would silently vanish. Presidio keeps a map from recognizer class
name to a dedicated config model (it uses it for GLiNER and Hugging Face recognizers); we add
ours there, with explicit fields and unknown keys rejected, so a typo fails loudly.

    recognizers:
      - name: JPTRecognizer
        type: predefined
        policy: hipaa                 # built-in name or YAML path
        entity_mapping: {FAX_NUMBER: FAX_NUMBER}
        use_model: true
        preload: true

Import `jpt_redact.plugins.presidio` before loading the YAML: Presidio finds predefined
recognizers among the imported subclasses of EntityRecognizer.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from presidio_analyzer.input_validation import yaml_recognizer_models as _models
from pydantic import ConfigDict, Field, model_validator

RECOGNIZER_CLASS_NAME = "JPTRecognizer"


class JPTRecognizerConfig(_models.PredefinedRecognizerConfig):
    """YAML fields accepted for JPTRecognizer (besides Presidio's name, languages, context)."""

    model_config = ConfigDict(extra="forbid")

    policy: str = Field("default", description="Built-in policy name or path to a policy YAML file")
    entity_mapping: Optional[Dict[str, str]] = Field(None, description="Policy label -> Presidio entity name")
    use_model: Optional[bool] = Field(None, description="False: patterns, checksums and lists only")
    preload: Optional[bool] = Field(None, description="Load the model when the registry is built")
    cache_size: Optional[int] = Field(None, ge=0, description="Texts whose results are cached")

    @model_validator(mode="after")
    def _entities_come_from_the_policy(self) -> "JPTRecognizerConfig":
        if self.supported_entity is not None or self.supported_entities is not None:
            raise ValueError(
                "JPTRecognizer takes its entities from the policy; use 'entity_mapping' "
                "to rename them instead of 'supported_entity'/'supported_entities'"
            )
        return self

    def model_dump(self, *args: Any, **kwargs: Any) -> Dict[str, Any]:
        # Omitted fields must not reach the constructor as None (it has its own defaults).
        kwargs.setdefault("exclude_none", True)
        return super().model_dump(*args, **kwargs)


def register_yaml_config() -> None:
    """Make Presidio's registry loader validate JPTRecognizer entries with JPTRecognizerConfig."""
    _models.CONFIG_MODEL_MAP.setdefault(RECOGNIZER_CLASS_NAME, JPTRecognizerConfig)
