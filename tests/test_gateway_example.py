"""examples/gateway_app.py on the library's RedactBodyMiddleware: bodies are redacted before the
route sees them (strings, keys and numbers at any depth), also when the app is mounted under a
prefix; failures are answered with an error and never forwarded (the fail-open paths of the old
example, issue 14 item 1, each have a case here)."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from conftest import TEST_POLICY_YAML, FailingEngine, FakeEngine
from jpt_redact.policy import parse_policy

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.applications import Starlette  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Mount, Route  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from jpt_redact.redactor import Redactor  # noqa: E402
from jpt_redact.service.middleware import RedactBodyMiddleware, require_redacted  # noqa: E402

GATEWAY = Path(__file__).resolve().parents[1] / "examples" / "gateway_app.py"


@pytest.fixture(scope="module")
def gateway():
    spec = importlib.util.spec_from_file_location("gateway_app_example", GATEWAY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CHAT = {
    "model": "gpt-test",
    "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": [{"type": "text", "text": "Email Carol at carol@example.com"}]},
        {"role": "user", "content": "Alice Smith lives in Paris"},
    ],
    "user": "Bob Jones",
    "temperature": 0.2,
    "metadata": {"Alice Smith": 1, "deep": {"model": "Bob Jones", "role": "Carol"}},
}


@pytest.mark.parametrize("mount", ["", "/llm"])
def test_bodies_are_redacted_before_the_route(gateway, test_policy, mount):
    engine = FakeEngine()
    app = gateway.create_app(Redactor.from_policy(test_policy, engine=engine), upstream="")
    if mount:
        app = Starlette(routes=[Mount(mount, app)])
    with TestClient(app) as client:
        r = client.post(f"{mount}/v1/chat/completions", json=CHAT)
    assert r.status_code == 200, r.text
    sent = r.json()["redacted_request"]
    assert sent["model"] == "gpt-test" and sent["messages"][0]["role"] == "system"
    assert sent["messages"][1]["content"][0] == {"type": "text", "text": "Email <PERSON> at <EMAIL>"}
    assert sent["messages"][2]["content"] == "<PERSON> lives in <CITY>"
    assert sent["user"] == "<PERSON>" and sent["temperature"] == 0.2
    assert sent["metadata"] == {"<PERSON>": 1, "deep": {"model": "<PERSON>", "role": "<PERSON>"}}
    # one finding per distinct text: "Bob Jones" is sent twice but redacted once
    assert r.json()["findings"] == {"PERSON": 5, "EMAIL": 1, "CITY": 1}
    assert r.headers["x-jpt-redact-findings"] == "7"
    assert len(engine.calls) == 1  # every text of the body in one batched model call


def test_numbers_are_redacted():
    policy = parse_policy(TEST_POLICY_YAML + (
        "  SSN:\n    definition: A social security number.\n    model: false\n"
        "    patterns: [{name: ssn, regex: '\\b\\d{9}\\b', score: 0.9}]\n"))
    seen = {}

    async def route(request):
        seen["body"] = json.loads(await request.body())
        return JSONResponse({})

    app = Starlette(routes=[Route("/x", route, methods=["POST"])],
                    middleware=[Middleware(RedactBodyMiddleware, redactor=Redactor.from_policy(policy, engine=FakeEngine()))])
    with TestClient(app) as client:
        client.post("/x", content=b'{"ssn": 123456789, "n": 1e5, "f": 0.10}', headers={"content-type": "application/json"})
    assert seen["body"] == {"ssn": "<SSN>", "n": 1e5, "f": 0.1}


@pytest.mark.parametrize("prefixes", [None, ("/v1/",)])
def test_a_prefix_mount_cannot_route_around_the_middleware(test_policy, prefixes):
    async def forward(request):
        require_redacted(request)
        return JSONResponse(json.loads(await request.body()))

    inner = Starlette(routes=[Route("/v1/chat/completions", forward, methods=["POST"])],
                      middleware=[Middleware(RedactBodyMiddleware, path_prefixes=prefixes,
                                             redactor=Redactor.from_policy(test_policy, engine=FakeEngine()))])
    app = Starlette(routes=[Mount("/llm", inner)])
    with TestClient(app) as client:
        r = client.post("/llm/v1/chat/completions", json={"messages": [{"content": "Alice Smith"}]})
    assert r.json() == {"messages": [{"content": "<PERSON>"}]}


def test_a_route_outside_the_middleware_refuses_to_forward(test_policy, gateway):
    async def forward(request):
        require_redacted(request)
        return JSONResponse({})

    with TestClient(Starlette(routes=[Route("/v1/x", forward, methods=["POST"])]),
                    raise_server_exceptions=False) as client:
        r = client.post("/v1/x", json={"text": "Alice Smith"})
    assert r.status_code == 500 and "Alice" not in r.text


def test_detection_failure_is_not_forwarded(gateway, test_policy):
    app = gateway.create_app(Redactor.from_policy(test_policy, engine=FailingEngine(marker="Alice")), upstream="")
    with TestClient(app) as client:
        r = client.post("/v1/chat/completions", json=CHAT)
    assert r.status_code == 503
    assert "not forwarded" in r.json()["error"]["message"] or "redaction failed" in r.json()["error"]["message"]
    assert "Alice" not in r.text


@pytest.mark.parametrize(
    "method, kwargs, status",
    [
        ("POST", {"content": b"not json", "headers": {"content-type": "application/json"}}, 400),
        ("POST", {"content": b"Alice Smith", "headers": {"content-type": "text/plain"}}, 415),
        ("POST", {"content": json.dumps({"text": "x" * 3_000_000}).encode(), "headers": {"content-type": "application/json"}},
         413),
        ("PUT", {"content": b'{"a": NaN}', "headers": {"content-type": "application/json"}}, 400),
    ],
)
def test_unredactable_bodies_are_refused(gateway, test_policy, method, kwargs, status):
    app = gateway.create_app(Redactor.from_policy(test_policy, engine=FakeEngine()), upstream="")
    with TestClient(app) as client:
        r = client.request(method, "/v1/chat/completions", **kwargs)
    assert r.status_code == status
    assert "Alice" not in r.text


def test_other_paths_pass_through(gateway, test_policy):
    with TestClient(gateway.create_app(Redactor.from_policy(test_policy, engine=FakeEngine()), upstream="")) as client:
        r = client.get("/health")
    assert r.json() == {"status": "ok", "policy": "test-policy"}
