"""Operating the service: bearer auth, the bounded queue (429), the per-request timeout (503),
metrics, graceful shutdown that drains the queue, one model per worker process, the OpenAPI
document against the routes served, and `jpt-redact serve` refusing bad configs."""
from __future__ import annotations

import re
import signal
import threading
import time

import httpx
import pytest
from click.testing import CliRunner

from test_service_harness import start_service

TOKEN = "t0ken-for-the-service-tests"
AUTH = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    config = {"auth": {"token_env": "SERVICE_TOKEN"},
              "batching": {"max_batch": 1, "max_wait_ms": 0, "queue_size": 2},
              "limits": {"request_timeout_s": 2.5, "graceful_shutdown_s": 20},
              "engine_options": {"delay_s": 0.5, "slow_marker": "SLOWPOKE", "slow_s": 3.0}}
    yield from start_service(tmp_path_factory, config, env={"SERVICE_TOKEN": TOKEN})


@pytest.mark.parametrize(
    "headers, status",
    [({}, 401), ({"authorization": "Bearer wrong-token-of-some-length"}, 401), ({"authorization": TOKEN}, 401),
     ({"authorization": f"Basic {TOKEN}"}, 401), (AUTH, 200)],
)
def test_bearer_auth(service, headers, status):
    r = httpx.post(service.url + "/v1/redact", json={"text": "Alice Smith"}, headers=headers, timeout=10)
    assert r.status_code == status
    assert "Alice" not in r.text
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer"


def test_health_is_public_and_metrics_are_not(service):
    assert httpx.get(service.url + "/health", timeout=5).status_code == 200
    assert httpx.get(service.url + "/metrics", timeout=5).status_code == 401


def _concurrently(url: str, bodies: list[dict]) -> list[httpx.Response]:
    out: list = [None] * len(bodies)

    def one(i: int) -> None:
        out[i] = httpx.post(url, json=bodies[i], headers=AUTH, timeout=30)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return out


def test_full_queue_answers_429_and_the_rest_are_served(service):
    responses = _concurrently(service.url + "/v1/redact", [{"text": f"Bob Jones {i}"} for i in range(16)])
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) == {200, 429}, statuses
    assert statuses.count(200) >= 3  # one running + two queued
    for r in responses:
        if r.status_code == 429:
            assert r.headers["retry-after"] == "1" and r.json()["error"]["type"] == "rate_limited"
        else:
            assert r.json()["results"][0]["text"].startswith("<PERSON> ")


def test_request_over_its_time_answers_503(service):
    started = time.monotonic()
    r = httpx.post(service.url + "/v1/redact", json={"text": "Alice Smith SLOWPOKE"}, headers=AUTH, timeout=30)
    assert r.status_code == 503 and r.json()["error"]["type"] == "timeout"
    assert time.monotonic() - started < 3.4  # the timeout, not the 3.5 s the model takes
    assert "Alice" not in r.text


def test_metrics(service):
    time.sleep(1.5)  # let the slow call of the previous test finish
    httpx.post(service.url + "/v1/redact", json={"texts": ["Carol in Paris"]}, headers=AUTH, timeout=30)
    text = httpx.get(service.url + "/metrics", headers=AUTH, timeout=5).text
    assert re.search(r'^jpt_redact_requests_total\{route="/v1/redact",status="200"\} [1-9]', text, re.M)
    assert re.search(r'^jpt_redact_errors_total\{route="/v1/redact",type="rate_limited"\} [1-9]', text, re.M)
    assert re.search(r'^jpt_redact_errors_total\{route="/v1/redact",type="timeout"\} 1\.0', text, re.M)
    assert re.search(r'^jpt_redact_findings_total\{entity_type="CITY"\} [1-9]', text, re.M)
    assert re.search(r"^jpt_redact_batch_texts_count [1-9]", text, re.M)
    assert re.search(r'^jpt_redact_request_seconds_bucket\{le="\+Inf",route="/v1/redact"\} [1-9]', text, re.M)
    assert "Carol" not in text and "Paris" not in text


def test_graceful_shutdown_answers_every_queued_request(service):
    results: list = []

    def send() -> None:
        results.extend(_concurrently(service.url + "/v1/redact", [{"text": f"Bob Jones {i}"} for i in range(3)]))

    sender = threading.Thread(target=send)
    sender.start()
    deadline, all_in = time.monotonic() + 20, False  # generous: a loaded CI machine starts threads late
    while not all_in and time.monotonic() < deadline:  # until all three are in: one in the model, two queued
        metrics = httpx.get(service.url + "/metrics", headers=AUTH, timeout=5).text
        all_in = re.search(r"^jpt_redact_queue_depth 2\.0$", metrics, re.M) is not None
        time.sleep(0 if all_in else 0.01)
    assert all_in, "the three requests never were in the server together"
    code = service.terminate()
    sender.join(timeout=30)
    # uvicorn re-raises SIGTERM once it has shut down cleanly, so the exit status is -SIGTERM
    assert code in (0, -signal.SIGTERM), service.log()
    assert "Application shutdown complete" in service.log()
    assert [r.status_code for r in results] == [200, 200, 200]


# -- the OpenAPI document -------------------------------------------------------------------------
def test_openapi_lists_exactly_the_routes_served():
    from jpt_redact.service.app import create_app

    app = create_app()
    served = {(route.path, m) for route in app.routes for m in route.methods if m != "HEAD"}
    doc = app.state.openapi
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    assert served == documented
    schemas = doc["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', __import__("json").dumps(doc))
    assert refs and all(r in schemas for r in refs)
    assert {"AnalyzeRequest", "AnonymizeRequest", "DeanonymizeRequest", "RedactRequest"} <= set(schemas)


# -- the command line ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "config, args, message",
    [
        ("policy: default\nbatching: {max_batch: 0}\n", [], "batching.max_batch"),
        ("policy: default\nunknown_field: 1\n", [], "unknown field"),
        ("policy: default\nengine_factory: no_colon\n", [], "engine_factory"),
        ("policy: default\nauth: {token_env: JPT_TEST_NO_SUCH_TOKEN}\n", [], "bearer token"),
        ("policy: default\n", ["--policy", "no-such-policy"], "no built-in policy of that name"),
        ("policy: default\nupstream: {base_url: ftp://x}\n", [], "upstream.base_url"),
        ("policy: default\nupstream: {base_url: http://x, api_key_env: JPT_TEST_NO_SUCH_KEY}\n", [], "api_key_env"),
    ],
)
def test_serve_refuses_bad_configs(tmp_path, config, args, message):
    from jpt_redact.cli.main import cli

    path = tmp_path / "service.yaml"
    path.write_text(config, encoding="utf-8")
    result = CliRunner().invoke(cli, ["serve", "--config", str(path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and result.output.count("\n") == 1
