"""examples/gateway_app.py: request bodies are redacted before the route sees them; failures
are answered with an error and never forwarded. Skipped when starlette is not installed."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import FailingEngine, FakeEngine

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient  # noqa: E402

from jpt_redact.redactor import Redactor  # noqa: E402

GATEWAY = Path(__file__).resolve().parents[1] / "examples" / "gateway_app.py"


@pytest.fixture(scope="module")
def gateway():
    spec = importlib.util.spec_from_file_location("gateway_app_example", GATEWAY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def client_for(gateway, test_policy, engine) -> TestClient:
    redactor = Redactor.from_policy(test_policy, engine=engine)
    return TestClient(gateway.create_app(redactor, upstream=""))


CHAT = {
    "model": "gpt-test",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": [{"type": "text", "text": "Email Carol at carol@example.com"}]},
        {"role": "user", "content": "Alice Smith lives in Paris"},
    ],
    "user": "Bob Jones",
    "temperature": 0.2,
}


def test_bodies_are_redacted_before_the_route(gateway, test_policy):
    engine = FakeEngine()
    with client_for(gateway, test_policy, engine) as client:
        engine.calls.clear()  # forget the warm-up call
        r = client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 200, r.text
    sent = r.json()["redacted_request"]
    assert sent["model"] == "gpt-test" and sent["messages"][0]["role"] == "system"
    assert sent["messages"][1]["content"][0] == {"type": "text", "text": "Email <PERSON> at <EMAIL>"}
    assert sent["messages"][2]["content"] == "<PERSON> lives in <CITY>"
    assert sent["user"] == "<PERSON>"
    assert sent["temperature"] == 0.2
    assert r.json()["findings"] == {"PERSON": 3, "EMAIL": 1, "CITY": 1}
    assert r.headers["x-jpt-redact-findings"] == "5"
    assert engine.calls == [4]  # every string of the body in one batched model call


def test_detection_failure_is_not_forwarded(gateway, test_policy):
    with client_for(gateway, test_policy, FailingEngine(marker="Alice")) as client:
        r = client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 503
    assert "not forwarded" in r.json()["error"]["message"]
    assert "Alice" not in r.text


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"content": b"not json", "headers": {"content-type": "application/json"}}, 400),
        ({"content": b"Alice Smith", "headers": {"content-type": "text/plain"}}, 415),
        ({"content": json.dumps({"text": "x" * 3_000_000}).encode(), "headers": {"content-type": "application/json"}}, 413),
    ],
)
def test_unredactable_bodies_are_refused(gateway, test_policy, kwargs, status):
    with client_for(gateway, test_policy, FakeEngine()) as client:
        r = client.post("/v1/chat/completions", **kwargs)
    assert r.status_code == status
    assert "Alice" not in r.text


def test_other_paths_pass_through(gateway, test_policy):
    with client_for(gateway, test_policy, FakeEngine()) as client:
        r = client.get("/health")
    assert r.json() == {"status": "ok", "policy": "test-policy"}
