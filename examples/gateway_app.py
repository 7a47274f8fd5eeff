"""Redaction inside your own ASGI app, with the library's middleware.

If all you need is a redacting proxy in front of an OpenAI-compatible LLM, run the service
instead (it also redacts the answers, streamed ones too):

    jpt-redact serve --policy hipaa --upstream https://llm.internal/v1

This example is for an app that has routes of its own: `RedactBodyMiddleware` redacts every
JSON request body (strings, keys and numbers, at any depth) before any route sees it, and the
route checks that it did with `require_redacted`. Mounting the app under a prefix is safe:

    JPT_GATEWAY_POLICY=hipaa LLM_UPSTREAM_URL=https://llm.internal/v1/chat/completions \\
        uvicorn examples.gateway_app:app --port 8080

Without LLM_UPSTREAM_URL the route answers with what it would have forwarded. See docs/gateway.md.
"""
from __future__ import annotations

import json
import os

from jpt_redact import Redactor
from jpt_redact.service.middleware import RedactBodyMiddleware, require_redacted


def create_app(redactor: Redactor | None = None, *, policy: str | None = None, upstream: str | None = None):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    redactor = redactor or Redactor.from_policy(policy or os.environ.get("JPT_GATEWAY_POLICY", "default"))
    upstream = upstream if upstream is not None else os.environ.get("LLM_UPSTREAM_URL")

    async def forward(request: Request) -> Response:
        try:
            record = require_redacted(request)  # never forward a body the middleware did not redact
        except Exception:
            return JSONResponse({"error": {"message": "not redacted; not forwarded"}}, status_code=500)
        body = await request.body()
        if not upstream:
            return JSONResponse({"forwarded_to": None, "redacted_request": json.loads(body),
                                 "findings": record["findings"]})
        import httpx

        async with httpx.AsyncClient(timeout=120) as client:
            r = await client.post(upstream, content=body, headers={"content-type": "application/json"})
        return Response(r.content, status_code=r.status_code, media_type=r.headers.get("content-type"))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "policy": redactor.policy.name})

    return Starlette(
        routes=[Route("/v1/{path:path}", forward, methods=["POST"]), Route("/health", health)],
        middleware=[Middleware(RedactBodyMiddleware, redactor=redactor)],
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
