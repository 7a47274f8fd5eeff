"""Shared fixtures: fake engines (the real model never loads in ordinary tests), a test policy.

FakeEngine implements the engine protocol (jpt_redact.engine.base: `model_id`, `backend_name`,
`score(texts, types)` -> per text an object with `spans(thresholds, *, nested, span_extension)`)
by tagging configured words, so tests know exactly which spans the "model" proposes.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from jpt_redact.findings import Span

TEST_POLICY_YAML = """\
name: test-policy
version: "7"
description: A small policy for tests.
entities:
  PERSON:
    definition: "The name of a person: given names, family names, nicknames."
    action: replace
  CITY:
    definition: "The name of a city, town or village."
    action: replace
  EMAIL:
    definition: "An email address."
    model: false
    patterns:
      - name: test_email
        regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
        score: 0.95
    action: replace
"""

# Words the fake model "recognises", per label.
FAKE_VOCAB: dict[str, tuple[str, ...]] = {
    "PERSON": ("Alice Smith", "Bob Jones", "Carol"),
    "CITY": ("Springfield", "Paris"),
}


class FakeScores:
    """What FakeEngine "saw" in one text: its tagged words, kept at `spans` time if their
    score reaches the type's threshold. Every call is recorded in the engine's `span_calls`."""

    def __init__(self, spans: list[Span], engine: "FakeEngine"):
        self._spans = spans
        self._engine = engine

    def spans(self, thresholds, *, nested=False, span_extension=1.0):
        with self._engine._lock:
            self._engine.span_calls.append({"thresholds": dict(thresholds), "nested": nested,
                                            "span_extension": span_extension})
        return [s for s in self._spans if s.score >= thresholds.get(s.label, 0.5)]


class FakeEngine:
    """Tags every whole-word occurrence of FAKE_VOCAB words of the requested types (score 0.9)."""

    model_id = "fake:test-engine"
    backend_name = "fake"

    def __init__(self, vocab: Mapping[str, Sequence[str]] | None = None, score: float = 0.9):
        self.vocab = {k: tuple(v) for k, v in (vocab or FAKE_VOCAB).items()}
        self.word_score = score
        self.calls: list[int] = []  # number of texts per score call
        self.span_calls: list[dict] = []  # the arguments of every FakeScores.spans call
        self._lock = threading.Lock()

    def score(self, texts, types, *, batch_size=None):
        with self._lock:
            self.calls.append(len(texts))
        out = []
        for text in texts:
            spans = []
            for label in types:
                for word in self.vocab.get(label, ()):
                    for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text):
                        spans.append(Span(m.start(), m.end(), label, self.word_score, "jpt"))
            out.append(FakeScores(sorted(spans, key=lambda s: (s.start, s.end)), self))
        return out


class FailingEngine(FakeEngine):
    """Raises with the raw text in the message (as a careless library might) when a text
    contains `marker` (always, if marker is None). Tests check the text never leaks."""

    def __init__(self, marker: str | None = None, exc_type: type[Exception] = RuntimeError):
        super().__init__()
        self.marker = marker
        self.exc_type = exc_type

    def score(self, texts, types, *, batch_size=None):
        for t in texts:
            if self.marker is None or self.marker in t:
                raise self.exc_type(f"cannot process {t!r}")
        return super().score(texts, types, batch_size=batch_size)


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "test-policy.yaml"
    path.write_text(TEST_POLICY_YAML, encoding="utf-8")
    return path


@pytest.fixture
def test_policy(policy_file: Path):
    from jpt_redact.policy import load_policy

    return load_policy(policy_file)


@pytest.fixture
def cli_engine(monkeypatch) -> dict:
    """Make every CLI command build its Redactor on a FakeEngine (or whatever is put in
    the returned dict under 'engine', e.g. a FailingEngine)."""
    from jpt_redact.cli import common
    from jpt_redact.redactor import Redactor

    holder: dict = {"engine": FakeEngine(), "redactors": []}

    def make_redactor(policy, *, use_model=True, audit_path=None, on_error=None):
        r = Redactor.from_policy(policy, engine=holder["engine"], use_model=use_model, audit_path=audit_path, on_error=on_error)
        holder["redactors"].append(r)
        return r

    monkeypatch.setattr(common, "make_redactor", make_redactor)
    return holder


@pytest.fixture
def audit_key(monkeypatch) -> str:
    key = "hex:" + bytes(range(0xab, 0xab + 32)).hex()  # 32 distinct bytes: repeated-byte keys are refused
    monkeypatch.setenv("JPT_REDACT_KEY", key)
    monkeypatch.delenv("JPT_REDACT_KEY_FILE", raising=False)
    return key


@pytest.fixture(autouse=True)
def _no_ambient_key(monkeypatch):
    # A developer's own JPT_REDACT_KEY must not change test results.
    monkeypatch.delenv("JPT_REDACT_KEY", raising=False)
    monkeypatch.delenv("JPT_REDACT_KEY_FILE", raising=False)
    monkeypatch.delenv("JPT_REDACT_DEBUG", raising=False)


@pytest.fixture(autouse=True)
def _fp32_unless_asked(monkeypatch):
    # `auto` picks bf16 on AVX512-BF16/AMX hosts (runtime/cpu.py AUTO_BF16). Tests compare
    # engines with fp32 references at float tolerances, and CI hosts differ, so in-process
    # engines stay fp32 unless a test asks for bf16 (torch_precision) or sets AUTO_BF16 itself.
    from jpt_redact.runtime import cpu

    monkeypatch.setattr(cpu, "AUTO_BF16", False)
