"""Harness of the service tests (no tests of its own): a real `jpt-redact serve` process on
127.0.0.1, an in-thread upstream stub, and the engine factories the server process is told to
use through its config (`engine_factory: test_service_harness:fake_engine`, PYTHONPATH=tests).

Every wait is bounded: a server that does not come up in STARTUP_S fails the test with its
stderr; one that does not stop after SIGTERM is killed.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conftest import FakeEngine, FailingEngine

TESTS = Path(__file__).resolve().parent
STARTUP_S = 60.0
STOP_S = 20.0
SERVICE_KEY = "hex:" + bytes(range(0x5a, 0x7a)).hex()

SERVICE_POLICY_YAML = r"""
name: service-test
version: "3"
entities:
  PERSON:
    definition: "The name of a person."
    presidio_entity: PERSON
    action: replace
  CITY:
    definition: "The name of a city."
    presidio_entity: LOCATION
    action: replace
  EMAIL_ADDRESS:
    definition: "An email address."
    model: false
    presidio_entity: EMAIL_ADDRESS
    patterns: [{name: email, regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}', score: 0.95}]
    action: encrypt
  US_SSN:
    definition: "A US social security number."
    model: false
    presidio_entity: US_SSN
    patterns: [{name: ssn, regex: '\b\d{3}-?\d{2}-?\d{4}\b', score: 0.9}]
    action: replace
  CUSTOMER_ID:
    definition: "Our customer numbers."
    model: false
    patterns: [{name: customer_id, regex: 'C-\d{7}', score: 0.9}]
    action: replace
"""

VOCAB = {
    "PERSON": ("Alice Smith", "Bob Jones", "Carol", "John Smith", "Jane Doe"),
    "CITY": ("Springfield", "Paris"),
}


# -- engines, built inside the server process --------------------------------------------------
class _Slow(FakeEngine):
    def __init__(self, delay_s: float, slow_marker: str | None, slow_s: float, **kw: Any):
        super().__init__(**kw)
        self.delay_s, self.slow_marker, self.slow_s = delay_s, slow_marker, slow_s

    def score(self, texts, types, *, batch_size=None):
        time.sleep(self.delay_s)
        if self.slow_marker and any(self.slow_marker in t for t in texts):
            time.sleep(self.slow_s)
        return super().score(texts, types, batch_size=batch_size)


class _Failing(FailingEngine):
    def __init__(self, marker: str, vocab: dict):
        super().__init__(marker=marker)
        self.vocab = {k: tuple(v) for k, v in vocab.items()}


def fake_engine(policy, *, delay_s: float = 0.0, slow_marker: str | None = None, slow_s: float = 0.0,
                fail_marker: str | None = None, record_dir: str | None = None):
    """engine_factory of the test servers: FakeEngine tagging VOCAB, optionally slow (always,
    or for texts holding `slow_marker`) or failing (with the text in the message) for texts
    holding `fail_marker`. With `record_dir`, each call appends a line to <record_dir>/<pid>."""
    if record_dir:
        with open(Path(record_dir) / str(os.getpid()), "a", encoding="utf-8") as f:
            f.write("engine built\n")
    if fail_marker:
        return _Failing(fail_marker, VOCAB)
    return _Slow(delay_s, slow_marker, slow_s, vocab=VOCAB)


# -- the server process ----------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceProcess:
    def __init__(self, tmp: Path, config: dict, env: dict | None = None):
        self.tmp = tmp
        self.config = config
        self.env = env or {}
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServiceProcess":
        policy = self.tmp / "service-policy.yaml"
        policy.write_text(SERVICE_POLICY_YAML, encoding="utf-8")
        for attempt in range(3):  # a free port can be taken between probe and bind
            self.port = free_port()
            config = {"policy": str(policy), "engine_factory": "test_service_harness:fake_engine",
                      "host": "127.0.0.1", "port": self.port, **self.config}
            path = self.tmp / "service.yaml"
            path.write_text(yaml.safe_dump(config), encoding="utf-8")
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), os.environ.get("PYTHONPATH", "")]),
                   "JPT_REDACT_KEY": SERVICE_KEY, **self.env}
            env.pop("JPT_REDACT_KEY_FILE", None)
            self.stderr = open(self.tmp / f"server-{attempt}.log", "w+b")
            self.proc = subprocess.Popen([sys.executable, "-m", "jpt_redact.cli.main", "serve", "--config", str(path)],
                                         env=env, stdout=self.stderr, stderr=self.stderr, cwd=str(self.tmp))
            if self._wait_ready():
                return self
            self.stop()
        pytest.fail(f"the service did not start:\n{self.log()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                if httpx.get(self.url + "/health", timeout=1.0).status_code in (200, 401):
                    return True
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return False

    def log(self) -> str:
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode("utf-8", "replace")[-4000:]

    def terminate(self) -> int:
        """SIGTERM, then the exit code (killed after STOP_S)."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
            return -9

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.terminate()


def start_service(tmp_path_factory, config: dict, env: dict | None = None):
    """A generator for module-scoped fixtures: yields a started ServiceProcess, stops it after."""
    service = ServiceProcess(tmp_path_factory.mktemp("service"), config, env).start()
    try:
        yield service
    finally:
        service.stop()


# -- the upstream stub, in a thread of the test process ----------------------------------------
class UpstreamStub:
    """An OpenAI-like upstream on 127.0.0.1 that records what it received and answers what the
    test set: `answer` (the assistant text), `chunks` (the same text cut into SSE fragments),
    `status`. Runs uvicorn in a thread, so tests read `received` directly."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answer = "OK"
        self.chunks: list[str] | None = None
        self.status = 200
        self.port = free_port()
        self._server = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def reset(self, answer: str = "OK", chunks: list[str] | None = None, status: int = 200) -> None:
        self.received.clear()
        self.answer, self.chunks, self.status = answer, chunks, status

    def app(self):
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import JSONResponse, StreamingResponse
        from starlette.routing import Route

        async def chat(request: Request):
            body = json.loads(await request.body())
            self.received.append({"path": request.url.path, "headers": dict(request.headers), "body": body})
            if request.url.path.endswith("/embeddings"):
                return JSONResponse({"object": "list", "model": "stub", "data": [
                    {"object": "embedding", "index": 0, "embedding": [0.25, -1.5e-3, 123456789]}]})
            if body.get("stream"):
                return StreamingResponse(self._sse(), media_type="text/event-stream")
            message = {"role": "assistant", "content": self.answer}
            return JSONResponse({"id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000,
                                 "model": body.get("model"), "choices": [
                                     {"index": 0, "message": message, "finish_reason": "stop"}],
                                 "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8}},
                                status_code=self.status)

        return Starlette(routes=[Route(p, chat, methods=["POST"]) for p in
                                 ("/v1/chat/completions", "/v1/completions", "/v1/embeddings")])

    async def _sse(self):
        base = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1700000001, "model": "stub"}
        first = {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]}
        yield f"data: {json.dumps(first)}\n\n".encode()
        for piece in self.chunks or [self.answer]:
            event = {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            yield f"data: {json.dumps(event)}\n\n".encode()
        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        yield f"data: {json.dumps(last)}\n\n".encode()
        yield b"data: [DONE]\n\n"

    def start(self) -> "UpstreamStub":
        import uvicorn

        config = uvicorn.Config(self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        assert self._server.started, "the upstream stub did not start"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


def sse_events(body: str) -> list[Any]:
    """The data payloads of an SSE body, JSON-decoded ([DONE] as the string)."""
    out = []
    for block in body.split("\n\n"):
        data = "\n".join(line[5:].strip() for line in block.splitlines() if line.startswith("data:"))
        if data:
            out.append(data if data == "[DONE]" else json.loads(data))
    return out


def streamed_content(events: list[Any]) -> str:
    return "".join(c.get("delta", {}).get("content") or "" for e in events if isinstance(e, dict)
                   for c in e.get("choices", []))
