"""RedactBodyMiddleware: redact JSON request bodies inside your own ASGI app (Starlette, FastAPI).

    app.add_middleware(RedactBodyMiddleware, redactor=Redactor.from_policy("hipaa"))

    async def forward(request):
        require_redacted(request)           # refuses (500) if the middleware did not run
        body = await request.body()         # redacted
        ...

What `jpt-redact serve` does for its proxy routes, for apps that have their own routes. Fail
closed, unlike the gateway example it replaces:

* it redacts every request that carries a body (any method, any path) unless `path_prefixes`
  narrows it, and prefixes are matched against the path *below the mount point*
  (`root_path` removed), so `Mount("/llm", app)` cannot route around it;
* every string, object key and number of the body is redacted, at any depth (jsonwalk.py);
* a body that cannot be redacted (not JSON, too large, detection failed) is answered with an
  error and never reaches the route; and the route can check that redaction really happened
  with `require_redacted(request)` instead of assuming so.
"""
from __future__ import annotations

import logging
from collections import Counter
from typing import Any

from .http import HTTPError, from_library_error, route_path
from .jsonwalk import PARSE_HOOKS, TooDeep, collect, dumps, rebuild

log = logging.getLogger("jpt_redact.service.middleware")
STATE_KEY = "jpt_redaction"
DEFAULT_MAX_BODY = 2 * 1024 * 1024


class RedactBodyMiddleware:
    def __init__(self, app: Any, redactor: Any, *, path_prefixes: tuple[str, ...] | None = None,
                 max_body_bytes: int = DEFAULT_MAX_BODY) -> None:
        self.app, self.redactor = app, redactor
        self.path_prefixes = path_prefixes
        self.max_body_bytes = max_body_bytes

    def _applies(self, scope: Any) -> bool:
        if scope["type"] != "http":
            return False
        headers = dict(scope.get("headers") or [])
        has_body = scope["method"] in ("POST", "PUT", "PATCH") or headers.get(b"content-length", b"0") != b"0" \
            or b"transfer-encoding" in headers
        if not has_body:
            return False
        return self.path_prefixes is None or route_path(scope).startswith(self.path_prefixes) \
            or scope["path"].startswith(self.path_prefixes)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if not self._applies(scope):
            await self.app(scope, receive, send)
            return
        try:
            body, counts = await self._redact(scope, receive)
        except Exception as exc:  # noqa: BLE001  never forward what could not be redacted
            err = from_library_error(exc)
            log.warning("request not forwarded: %s (%s)", err.kind, type(exc).__name__)
            await _error(send, err.status, err.message, err.kind)
            return
        scope = dict(scope)
        scope["headers"] = [(k, v) for k, v in scope["headers"] if k not in (b"content-length", b"transfer-encoding")]
        scope["headers"].append((b"content-length", str(len(body)).encode()))
        scope["state"] = {**scope.get("state", {}), STATE_KEY: {"redacted": True, "findings": dict(counts)}}
        total = str(sum(counts.values())).encode()
        sent = False

        async def replay() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def send_with_header(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-jpt-redact-findings", total)]}
            await send(message)

        await self.app(scope, replay, send_with_header)

    async def _redact(self, scope: Any, receive: Any) -> tuple[bytes, Counter]:
        from .http import parse_json

        headers = dict(scope.get("headers") or [])
        media = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
        if media != b"application/json":
            raise HTTPError(415, "only application/json bodies can be redacted, so only those are forwarded",
                            "unsupported_media_type")
        raw = await self._read(receive)
        doc = parse_json(raw, **PARSE_HOOKS)
        try:
            texts = collect(doc)
        except TooDeep as exc:
            raise HTTPError(400, str(exc)) from None
        results = await self.redactor.aredact_many(texts, return_exceptions=True) if texts else []
        counts: Counter = Counter()
        for r in results:
            if isinstance(r, BaseException):
                raise r
            counts.update(f.span.label for f in r.findings)
            if r.whole_document_redacted:
                counts["WHOLE_FIELD"] += 1
        return dumps(rebuild(doc, {t: r.text for t, r in zip(texts, results)})).encode("utf-8"), counts

    async def _read(self, receive: Any) -> bytes:
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise HTTPError(400, "the client went away", "disconnected")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise HTTPError(413, f"request body over {self.max_body_bytes} bytes", "body_too_large")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)


def require_redacted(request: Any) -> dict:
    """The middleware's record for this request; HTTPError(500) if it did not redact it (a
    route mounted outside the middleware, a method or path it was told to skip)."""
    record = (request.scope.get("state") or {}).get(STATE_KEY)
    if not record or not record.get("redacted"):
        raise HTTPError(500, "the request was not redacted; refusing to forward it", "not_redacted")
    return record


async def _error(send: Any, status: int, message: str, kind: str) -> None:
    import json

    body = json.dumps({"error": {"message": message, "type": kind, "code": status}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
