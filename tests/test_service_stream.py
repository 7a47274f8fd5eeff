"""Held-back redaction of streamed text and the SSE redactor, in-process with a Redactor on the
fake engine: for any chunking, the released text equals the redaction of the whole answer and
no released piece holds any part of an entity."""
from __future__ import annotations

import asyncio
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import FakeEngine
from jpt_redact.redactor import Redactor
from jpt_redact.service.config import StreamConfig
from jpt_redact.service.stream import HeldBackText, SSERedactor
from jpt_redact.service.vault import Vault

ENTITIES = ["Alice Smith", "Bob Jones", "Springfield", "bob@example.com"]
FILLER = ["the", "call", "at", "to", "and", "said", "today.", "ok,", "now!", "then\n", "meet", "in"]


@pytest.fixture(scope="module")
def redactor():
    from conftest import TEST_POLICY_YAML
    from jpt_redact.policy import parse_policy

    return Redactor.from_policy(parse_policy(TEST_POLICY_YAML), engine=FakeEngine())


def _redact_fn(redactor):
    async def redact(texts):
        return redactor.redact_many(texts)

    return redact


def _release_all(redactor, pieces, config, vault=None):
    async def run():
        stream = HeldBackText(_redact_fn(redactor), config, vault)
        out = [await stream.feed(p) for p in pieces]
        out.append(await stream.finish())
        return out

    return asyncio.run(run())


def _leaks(piece: str) -> list[str]:
    return [part for e in ENTITIES for part in {e, *e.split(), e.split("@")[0]} if part in piece]


@settings(max_examples=100, deadline=None)
@given(
    words=st.lists(st.sampled_from(ENTITIES + FILLER), min_size=1, max_size=40),
    cuts=st.lists(st.integers(min_value=0, max_value=600), max_size=30),
    window=st.integers(min_value=16, max_value=96),
    holdback=st.integers(min_value=16, max_value=40),
    lookahead=st.integers(min_value=0, max_value=12),
)
def test_any_chunking_releases_the_redaction_of_the_whole(redactor, words, cuts, window, holdback, lookahead):
    text = " ".join(words)
    bounds = sorted({0, len(text), *(c for c in cuts if c < len(text))})
    pieces = [text[a:b] for a, b in zip(bounds, bounds[1:])]
    config = StreamConfig(window_chars=max(window, holdback + 1), holdback_chars=holdback, lookahead_chars=lookahead)
    released = _release_all(redactor, pieces, config)
    assert "".join(released) == redactor.redact(text).text
    for piece in released:
        assert not _leaks(piece), (piece, pieces)


def test_text_is_released_before_the_end(redactor):
    text = "Hello there. " * 20 + "Alice Smith is here."
    released = _release_all(redactor, list(text), StreamConfig(window_chars=64, holdback_chars=24, lookahead_chars=8))
    assert sum(1 for r in released[:-1] if r) >= 5  # flushed at sentence or window boundaries on the way
    assert "".join(released) == "Hello there. " * 20 + "<PERSON> is here."


def test_vault_tokens_split_across_chunks_are_restored_whole(redactor):
    vault = Vault()
    original = "Ask Alice Smith"
    vault.add(original, redactor.redact(original))  # <PERSON> stands for Alice Smith only
    pieces = ["Sure, <PER", "SON> will ", "call. Bob Jones too."]
    released = _release_all(redactor, pieces, StreamConfig(window_chars=24, holdback_chars=16, lookahead_chars=0), vault)
    assert "".join(released) == "Sure, Alice Smith will call. <PERSON> too."


def _sse(events: list) -> list[bytes]:
    return [f"data: {json.dumps(e, ensure_ascii=False)}\n\n".encode() if not isinstance(e, str)
            else f"data: {e}\n\n".encode() for e in events]


def _run_sse(redactor, raw_chunks: list[bytes], config: StreamConfig) -> list:
    async def chunks():
        for c in raw_chunks:
            yield c

    async def run():
        out = [b async for b in SSERedactor(_redact_fn(redactor), config).run(chunks())]
        parsed = []
        for x in out:
            data = x.decode()[6:-2]
            try:
                parsed.append(json.loads(data))
            except ValueError:
                parsed.append(data)
        return parsed

    return asyncio.run(run())


def test_sse_two_choices_tool_calls_and_completions_text(redactor):
    base = {"id": "c1", "object": "chat.completion.chunk", "model": "m"}
    events = [
        {**base, "choices": [{"index": 0, "delta": {"content": "Hé Ali"}}, {"index": 1, "delta": {"content": "Yo Bo"}}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "ce Smith!"}}, {"index": 1, "delta": {"content": "b Jones"}}]},
        {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"name": "f", "arguments": '{"to": "Car'}}]}}]},
        {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "function": {"arguments": 'ol"}'}}]}}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}, {"index": 1, "delta": {}, "finish_reason": "stop"}]},
        "[DONE]",
    ]
    raw = b"".join(_sse(events))
    # cut the byte stream anywhere, also inside events and inside a multi-byte character
    for step in (1, 7, 50, len(raw)):
        out = _run_sse(redactor, [raw[i:i + step] for i in range(0, len(raw), step)], StreamConfig(
            window_chars=64, holdback_chars=32, lookahead_chars=4))
        assert out[-1] == "[DONE]"
        content = {0: "", 1: ""}
        args = ""
        for e in out[:-1]:
            for c in e["choices"]:
                content[c["index"]] += c.get("delta", {}).get("content") or ""
                for call in c.get("delta", {}).get("tool_calls") or []:
                    args += call["function"].get("arguments") or ""
        assert content == {0: "Hé <PERSON>!", 1: "Yo <PERSON>"}
        assert args == '{"to": "<PERSON>"}'
        assert "Ali" not in json.dumps(out) and "Jones" not in json.dumps(out) and "Carol" not in json.dumps(out)


def test_sse_without_done_and_with_non_json_data(redactor):
    raw = [b": keep-alive\n\n", b"event: x\ndata: plain Alice Smith text\n\n",
           b'data: {"choices": [{"index": 0, "text": "Dear Bob"}]}\n\n', b'data: {"choices": [{"index": 0, "text": " Jones,"}]}']
    out = _run_sse(redactor, raw, StreamConfig(window_chars=64, holdback_chars=32, lookahead_chars=4))
    assert out[0] == "plain <PERSON> text"  # data that is not JSON is redacted as text
    text = "".join(c.get("text", "") for e in out[1:] for c in e["choices"])
    assert text == "Dear <PERSON>,"
