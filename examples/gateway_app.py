"""An LLM gateway that redacts request bodies before they leave your network.

    pip install starlette uvicorn httpx
    JPT_GATEWAY_POLICY=hipaa LLM_UPSTREAM_URL=https://llm.internal/v1/chat/completions \\
        uvicorn examples.gateway_app:app --port 8080

Clients send OpenAI-style JSON to the gateway; `RedactBodyMiddleware` redacts every string
in the body (except a few structural keys such as "model" and "role") with one batched
Redactor call, then the request continues to the route, which forwards it upstream. Without
LLM_UPSTREAM_URL the route echoes what the LLM would have received, which is handy to try
policies.

Fail closed: a body that cannot be parsed, is too large, or whose redaction fails is answered
with an error and never forwarded. Only starlette is required (httpx for forwarding).
See docs/gateway.md.
"""
from __future__ import annotations

import json
import logging
import os
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from jpt_redact import JPTRedactError, Redactor

log = logging.getLogger("jpt_redact.gateway")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Keys whose string values are protocol structure, not content. Everything else is redacted:
# a new field in a client library is then redacted by default instead of leaking by default.
SAFE_KEYS = frozenset({"model", "role", "type", "object", "tool_call_id", "finish_reason", "encoding_format", "detail"})
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
DEFAULT_MAX_BODY = 2 * 1024 * 1024


def collect_strings(node: Any, safe_keys: frozenset[str] = SAFE_KEYS) -> list[tuple[Any, Any]]:
    """(container, key) for every string leaf to redact, in document order."""
    out: list[tuple[Any, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, str):
                    if k not in safe_keys:
                        out.append((value, k))
                else:
                    walk(v)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                if isinstance(v, str):
                    out.append((value, i))
                else:
                    walk(v)

    walk(node)
    return out


class RedactBodyMiddleware:
    """Pure ASGI middleware: redact JSON request bodies under `path_prefixes`.

    The route sees the redacted body (and `request.state.jpt_redaction`, a count of findings
    per type); the response carries an `x-jpt-redact-findings` header with the total.
    """

    def __init__(
        self,
        app: ASGIApp,
        redactor: Redactor,
        *,
        path_prefixes: tuple[str, ...] = ("/v1/",),
        max_body_bytes: int = DEFAULT_MAX_BODY,
        safe_keys: frozenset[str] = SAFE_KEYS,
    ) -> None:
        self.app = app
        self.redactor = redactor
        self.path_prefixes = path_prefixes
        self.max_body_bytes = max_body_bytes
        self.safe_keys = safe_keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in BODY_METHODS
            or not scope["path"].startswith(self.path_prefixes)
        ):
            await self.app(scope, receive, send)
            return
        body = await self._read_body(receive)
        if body is None:
            await _error(send, 413, f"request body over {self.max_body_bytes} bytes")
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
        if content_type != b"application/json":
            await _error(send, 415, "only application/json bodies can be redacted, so only those are forwarded")
            return
        try:
            payload = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            await _error(send, 400, "request body is not valid JSON")
            return

        leaves = collect_strings(payload, self.safe_keys)
        try:
            results = await self.redactor.aredact_many([c[k] for c, k in leaves])
        except Exception as exc:  # DetectionError, ModelError, a bug: never forward unredacted
            log.warning("redaction failed (%s); request not forwarded", type(exc).__name__)
            status = 503 if isinstance(exc, JPTRedactError) else 500
            await _error(send, status, "redaction failed; the request was not forwarded")
            return
        counts: Counter[str] = Counter()
        for (container, key), result in zip(leaves, results):
            container[key] = result.text
            counts.update(f.span.label for f in result.findings)
            if result.whole_document_redacted:
                counts["WHOLE_FIELD"] += 1
        new_body = json.dumps(payload, ensure_ascii=False).encode("utf-8")

        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k != b"content-length"] + [
            (b"content-length", str(len(new_body)).encode())
        ]
        scope["state"] = {**scope.get("state", {}), "jpt_redaction": dict(counts)}
        total = str(sum(counts.values())).encode()

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": new_body, "more_body": False}
            return await receive()  # e.g. http.disconnect

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-jpt-redact-findings", total)]}
            await send(message)

        await self.app(scope, replay, send_with_header)

    async def _read_body(self, receive: Receive) -> bytes | None:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b""
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


async def _error(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": {"message": message, "type": "jpt_redact_gateway"}}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})


def create_app(redactor: Redactor | None = None, *, policy: str | None = None, upstream: str | None = None):
    """The demo gateway: POST /v1/chat/completions (and any /v1/ path) is redacted, then
    forwarded to `upstream` (or echoed back when there is none)."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    redactor = redactor or Redactor.from_policy(policy or os.environ.get("JPT_GATEWAY_POLICY", "default"))
    upstream = upstream if upstream is not None else os.environ.get("LLM_UPSTREAM_URL")

    async def forward(request: Request) -> Response:
        body = await request.body()  # already redacted by the middleware
        findings = getattr(request.state, "jpt_redaction", {})
        if not upstream:
            return JSONResponse({"forwarded_to": None, "redacted_request": json.loads(body), "findings": findings})
        import httpx

        headers = {k: v for k, v in request.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
        async with httpx.AsyncClient(timeout=120) as client:
            r = await client.post(upstream, content=body, headers=headers)
        return Response(r.content, status_code=r.status_code, media_type=r.headers.get("content-type"))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "policy": redactor.policy.name})

    @asynccontextmanager
    async def lifespan(app):
        await redactor.aanalyze("warm-up")  # load the model before the first real request
        yield
        redactor.close()

    return Starlette(
        routes=[Route("/v1/{path:path}", forward, methods=["POST"]), Route("/health", health)],
        middleware=[Middleware(RedactBodyMiddleware, redactor=redactor)],
        lifespan=lifespan,
    )


_app = None


def __getattr__(name: str):
    # `uvicorn examples.gateway_app:app` builds the app on first access, so importing this
    # module (tests, docs) neither needs a policy nor loads a model.
    global _app
    if name == "app":
        if _app is None:
            _app = create_app()
        return _app
    raise AttributeError(name)
