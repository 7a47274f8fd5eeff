"""The redacting proxy of a real server process in front of an upstream stub (both on
127.0.0.1): what reaches the upstream, what comes back (plain and streamed, with an entity split
across SSE chunks at every position), re-identification for the caller only, and fail-closed
refusals that forward nothing."""
from __future__ import annotations

import json

import httpx
import pytest

from test_service_harness import UpstreamStub, sse_events, start_service, streamed_content

PLANTED = ("Alice Smith", "Bob Jones", "123456789", "123-45-6789", "carol@example.com", "C-7654321")


@pytest.fixture(scope="module")
def upstream():
    stub = UpstreamStub().start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def service(tmp_path_factory, upstream):
    config = {"upstream": {"base_url": upstream.base_url, "api_key_env": "STUB_KEY", "timeout_s": 10},
              "reidentify": True, "engine_options": {"fail_marker": "EXPLODE"},
              "stream": {"window_chars": 48, "holdback_chars": 20, "lookahead_chars": 8}}
    yield from start_service(tmp_path_factory, config, env={"STUB_KEY": "upstream-secret"})


@pytest.fixture
def client(service, upstream):
    upstream.reset()
    with httpx.Client(base_url=service.url, timeout=30) as c:
        yield c


CHAT = {
    "model": "gpt-test",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": [{"type": "text", "text": "Email Carol at carol@example.com"}]},
        {"role": "user", "content": "Alice Smith lives in Paris", "name": "Bob Jones"},
    ],
    "user": "Bob Jones",
    "temperature": 0.2,
    "metadata": {"ssn": 123456789, "Alice Smith": "key holds a name", "deep": [{"model": "123-45-6789",
                                                                            "role": "C-7654321"}]},
}


def _sent(upstream) -> dict:
    [received] = upstream.received
    return received


def test_request_is_redacted_at_every_depth_before_it_leaves(client, upstream):
    r = client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200, r.text
    received = _sent(upstream)
    raw = json.dumps(received["body"])
    assert not [p for p in PLANTED if p in raw], raw
    body = received["body"]
    assert body["model"] == "gpt-test" and body["temperature"] == 0.2
    assert body["messages"][1]["content"][0]["type"] == "text"
    assert body["messages"][1]["content"][0]["text"].startswith("Email <PERSON> at [ENC:EMAIL_ADDRESS:")
    assert body["messages"][2] == {"role": "user", "content": "<PERSON> lives in <CITY>", "name": "<PERSON>"}
    assert body["metadata"]["ssn"] == "<US_SSN>"  # a number holding an SSN
    assert body["metadata"]["<PERSON>"] == "key holds a name"  # a key holding a name
    assert body["metadata"]["deep"] == [{"model": "<US_SSN>", "role": "<CUSTOMER_ID>"}]  # "safe" keys, deep
    assert received["headers"]["authorization"] == "Bearer upstream-secret"
    assert int(r.headers["x-jpt-redact-findings"]) == 9


def test_answer_is_redacted(client, upstream):
    upstream.reset(answer="Sure. Bob Jones (bob@example.com) will call 123-45-6789.")
    r = client.post("/v1/chat/completions", json={"model": "m", "messages": [{"role": "user", "content": "hi"}]})
    answer = r.json()
    content = answer["choices"][0]["message"]["content"]
    assert content.startswith("Sure. <PERSON> ([ENC:EMAIL_ADDRESS:") and content.endswith(") will call <US_SSN>.")
    assert answer["created"] == 1700000000 and answer["usage"]["total_tokens"] == 8  # numbers of the answer pass


def test_embeddings_and_completions_routes(client, upstream):
    r = client.post("/v1/embeddings", json={"model": "e", "input": ["Alice Smith", "Paris"]})
    assert r.json()["data"][0]["embedding"] == [0.25, -1.5e-3, 123456789]
    assert _sent(upstream)["body"]["input"] == ["<PERSON>", "<CITY>"]
    upstream.reset(answer="done")
    r = client.post("/v1/completions", json={"model": "c", "prompt": "Dear Bob Jones,"})
    assert r.status_code == 200 and _sent(upstream)["body"]["prompt"] == "Dear <PERSON>,"


def _stream(client, chunks: list[str]) -> tuple[list, str]:
    with client.stream("POST", "/v1/chat/completions",
                       json={"model": "m", "stream": True, "messages": [{"role": "user", "content": "hi"}]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        body = r.read().decode()
    events = sse_events(body)
    return events, streamed_content(events)


ANSWER = "Hello Alice Smith, your id is C-1234567 and Bob Jones says hi. The end."
EXPECTED = "Hello <PERSON>, your id is <CUSTOMER_ID> and <PERSON> says hi. The end."


@pytest.mark.parametrize("cut", range(6, 17))  # every split of "Alice Smith" (offsets 6..17)
def test_entity_split_across_sse_chunks_never_leaks(client, upstream, cut):
    upstream.reset(chunks=[ANSWER[:cut], ANSWER[cut:cut + 3], ANSWER[cut + 3:]])
    events, content = _stream(client, [])
    assert content == EXPECTED
    assert events[-1] == "[DONE]"
    for e in events[:-1]:
        text = json.dumps(e)
        assert not any(p in text for p in ("Alice", "Smith", "Ali", "1234567"))


def test_stream_of_single_characters(client, upstream):
    long = ANSWER + " " + ANSWER.replace("Alice Smith", "Bob Jones")
    upstream.reset(chunks=list(long))
    events, content = _stream(client, [])
    assert content == EXPECTED + " " + EXPECTED
    released = [c["delta"]["content"] for e in events if isinstance(e, dict) for c in e["choices"]
                if c.get("delta", {}).get("content")]
    assert len(released) >= 3  # released as it goes, not all at the end
    assert all(p not in json.dumps(events) for p in ("Alice", "Smith", "Bob", "Jones", "1234567"))


def test_reidentification_for_the_caller_only(client, upstream):
    # the stub answers with what it received: the caller's encrypted address comes back
    request = {"model": "m", "messages": [{"role": "user", "content": "Write to carol@example.com"}]}
    client.post("/v1/chat/completions", json=request)
    token = _sent(upstream)["body"]["messages"][0]["content"].removeprefix("Write to ")
    assert token.startswith("[ENC:EMAIL_ADDRESS:")
    upstream.reset(answer=f"I wrote to {token} for Bob Jones.")
    r = client.post("/v1/chat/completions", json=request, headers={"x-jpt-reidentify": "true"})
    assert r.json()["choices"][0]["message"]["content"] == "I wrote to carol@example.com for <PERSON>."
    # another caller, whose request did not hold that address, never gets it back
    other = {"model": "m", "messages": [{"role": "user", "content": "Write to dave@example.com"}]}
    r = client.post("/v1/chat/completions", json=other, headers={"x-jpt-reidentify": "true"})
    assert "carol" not in r.text and token in r.text
    r = client.post("/v1/chat/completions", json=request)  # not asked: stays encrypted
    assert "carol" not in r.text
    # streamed, with the token split across chunks
    upstream.reset(chunks=[f"Sent to {token[:9]}", f"{token[9:]} today. Bye now."])
    with client.stream("POST", "/v1/chat/completions", json={**request, "stream": True},
                       headers={"x-jpt-reidentify": "1"}) as s:
        content = streamed_content(sse_events(s.read().decode()))
    assert content == "Sent to carol@example.com today. Bye now."


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"json": {"model": "m", "messages": [{"role": "user", "content": "Alice Smith EXPLODE"}]}}, 503),
        ({"content": b'{"messages": [{"content": "Alice Smith"', "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"Alice Smith", "headers": {"content-type": "text/plain"}}, 415),
        ({"content": b'["Alice Smith"]', "headers": {"content-type": "application/json"}}, 400),
        ({"content": b'{"x": NaN, "y": "Alice Smith"}', "headers": {"content-type": "application/json"}}, 400),
        ({"content": (b'{"a":' * 200) + b'"Alice Smith"' + (b"}" * 200), "headers": {"content-type": "application/json"}},
         400),
        ({"content": json.dumps({"messages": [{"content": "Alice Smith " * 300_000}]}).encode(),
          "headers": {"content-type": "application/json"}}, 413),
    ],
)
def test_unredactable_requests_are_refused_and_never_forwarded(client, upstream, kwargs, status):
    r = client.post("/v1/chat/completions", **kwargs)
    assert r.status_code == status, r.text
    assert "Alice" not in r.text and "EXPLODE" not in r.text
    assert r.json()["error"]["message"]
    assert upstream.received == []


def test_reidentify_header_needs_the_server_setting(tmp_path, upstream, audit_key):
    # a second configuration, in-process (the app and its lifespan as uvicorn would run them)
    from starlette.testclient import TestClient

    from jpt_redact.service.app import create_app
    from jpt_redact.service.config import ServiceConfig
    from test_service_harness import SERVICE_POLICY_YAML

    policy = tmp_path / "policy.yaml"
    policy.write_text(SERVICE_POLICY_YAML, encoding="utf-8")
    config = ServiceConfig(policy=str(policy), engine_factory="test_service_harness:fake_engine",
                           upstream={"base_url": upstream.base_url})
    upstream.reset()
    with TestClient(create_app(config)) as c:
        r = c.post("/v1/chat/completions", json={"model": "m", "messages": []}, headers={"x-jpt-reidentify": "true"})
        assert r.status_code == 403 and upstream.received == []
        # without auth on the service, the caller's own Authorization goes upstream; cookies never
        c.post("/v1/chat/completions", json={"model": "m", "messages": []},
               headers={"authorization": "Bearer caller-key", "cookie": "s=Alice"})
        headers = _sent(upstream)["headers"]
        assert headers["authorization"] == "Bearer caller-key" and "cookie" not in headers
