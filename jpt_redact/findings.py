"""Result objects: frozen, typed, and free of raw values unless the caller asks for the text."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

# The recognizer name of spans proposed by the JPT model; "jpt:<head>" names a variant.
MODEL_RECOGNIZER = "jpt"


def is_model_recognizer(name: str) -> bool:
    """Whether spans of this recognizer come from the JPT model (threshold and shape checks apply)."""
    return name == MODEL_RECOGNIZER or name.startswith(MODEL_RECOGNIZER + ":")


@dataclass(frozen=True)
class Span:
    """A candidate entity: character offsets into the analysed text.

    It holds no copy of the text, so logging a Span never leaks the value.
    """

    start: int
    end: int
    label: str
    score: float
    recognizer: str = MODEL_RECOGNIZER
    explanation: str | None = None

    def __post_init__(self) -> None:
        if not (0 <= self.start < self.end):
            raise ValueError(f"invalid span offsets {self.start}..{self.end}")

    @property
    def from_model(self) -> bool:
        return is_model_recognizer(self.recognizer)

    @property
    def length(self) -> int:
        return self.end - self.start

    def overlaps(self, other: "Span") -> bool:
        return self.start < other.end and other.start < self.end

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(float(self.score), 4)
        if d["explanation"] is None:
            del d["explanation"]
        return d


@dataclass(frozen=True)
class Finding:
    """A resolved span plus what the policy did with it."""

    span: Span
    action: str
    replacement: str | None = None
    value_hash: str | None = None  # keyed HMAC of the original value; never the value

    def to_dict(self) -> dict:
        d = self.span.to_dict()
        d["action"] = self.action
        if self.value_hash is not None:
            d["value_hash"] = self.value_hash
        return d


@dataclass(frozen=True)
class AnalysisResult:
    """What analyze() returns: the resolved spans for one text."""

    text_length: int
    spans: tuple[Span, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"text_length": self.text_length, "spans": [s.to_dict() for s in self.spans]}


@dataclass(frozen=True)
class RedactionResult:
    """What redact() returns: the redacted text and the findings behind it."""

    text: str
    findings: tuple[Finding, ...]
    policy_name: str
    policy_version: str
    # HMAC-SHA256 of the input under the key's "input" subkey, None without a key. Never an
    # unkeyed digest: the redacted text plus offsets is a template, and hashing every candidate
    # value against an unkeyed input digest recovers the value (issue 14).
    input_hmac: str | None
    output_sha256: str
    whole_document_redacted: bool = False

    def to_dict(self) -> dict:
        return {
            "text": self.text,
            "findings": [f.to_dict() for f in self.findings],
            "policy": {"name": self.policy_name, "version": self.policy_version},
            **({"input_hmac": self.input_hmac} if self.input_hmac is not None else {}),
            "output_sha256": self.output_sha256,
            "whole_document_redacted": self.whole_document_redacted,
        }
