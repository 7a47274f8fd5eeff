"""Request bodies of Presidio's REST API (its api-docs), as strict pydantic models.

Every field Presidio's own services accept is declared (including the deprecated `trace`
and the fields that /analyze results carry when passed on to /anonymize), so Presidio's
documented example payloads and existing clients work unchanged; anything else is refused
(400) instead of being silently ignored.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_AD_HOC_PATTERNS = 64
MAX_REGEX_CHARS = 1000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatternModel(_Strict):
    name: str | None = Field(None, description="Name of the pattern.")
    regex: str = Field(max_length=MAX_REGEX_CHARS, description="Regular expression.")
    score: float = Field(ge=0, le=1, description="Score of a match.")


class AdHocRecognizer(_Strict):
    name: str | None = Field(None, description="Name of the recognizer.")
    supported_language: str | None = Field(None, description="Language code.")
    supported_entity: str = Field(min_length=1, max_length=64, description="The entity this recognizer reports.")
    patterns: list[PatternModel] = Field(default_factory=list, max_length=MAX_AD_HOC_PATTERNS)
    deny_list: list[str] = Field(default_factory=list, max_length=10_000, description="Words always reported.")
    deny_list_score: float = Field(1.0, ge=0, le=1)
    context: list[str] | None = Field(None, description="Words that raise a match's score when they precede it.")
    global_regex_flags: int | None = Field(None, ge=0)
    version: str | None = None


class AnalyzeRequest(_Strict):
    text: str | list[str] = Field(description="The text to analyze, or a list of texts (batch).")
    language: str = Field(min_length=1, description="ISO 639-1 code; must be the policy's language.")
    entities: list[str] | None = Field(None, description="Report only these entity types.")
    score_threshold: float | None = Field(None, ge=0, le=1, description="Minimal score of a result.")
    return_decision_process: bool = Field(False, description="Include analysis_explanation.")
    correlation_id: str | None = Field(None, description="Accepted for compatibility; not used.")
    ad_hoc_recognizers: list[AdHocRecognizer] | None = Field(None, max_length=32)
    context: list[str] | None = Field(None, description="Context words for the ad-hoc recognizers.")
    allow_list: list[str] | None = Field(None, description="Values never reported.")
    allow_list_match: Literal["exact", "regex"] = "exact"
    regex_flags: int | None = Field(None, ge=0, description="Flags of the ad-hoc and allow-list regexes.")
    trace: bool | None = Field(None, description="Deprecated in Presidio; accepted and ignored.")

    @field_validator("text")
    @classmethod
    def _not_empty(cls, v: Any) -> Any:
        if (isinstance(v, str) and not v) or (isinstance(v, list) and not v):
            raise ValueError("no text provided")
        return v


class RecognizerResultModel(BaseModel):
    # what /analyze returns, so its output can be posted to /anonymize as it is
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    entity_type: str = Field(min_length=1)
    score: float | None = None
    analysis_explanation: dict[str, Any] | None = None
    recognition_metadata: dict[str, Any] | None = None


class AnonymizeRequest(_Strict):
    text: str = Field(description="The text to anonymize.")
    anonymizers: dict[str, dict[str, Any]] | None = Field(
        None, description="Entity type or DEFAULT -> {type: replace|redact|mask|hash|encrypt|keep|<operator>, ...}.")
    analyzer_results: list[RecognizerResultModel] = Field(description="Where the entities are.")


class OperatorResultModel(BaseModel):
    # an item of an /anonymize answer, so it can be posted to /deanonymize as it is
    model_config = ConfigDict(extra="forbid")

    start: int = Field(ge=0)
    end: int = Field(ge=0)
    entity_type: str = Field(min_length=1)
    operator: str | None = None
    text: str | None = None


class DeanonymizeRequest(_Strict):
    text: str = Field(description="The anonymized text.")
    deanonymizers: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Entity type or DEFAULT -> {type: decrypt, key?}.")
    anonymizer_results: list[OperatorResultModel] = Field(description="Where the encrypted values are.")
