"""`jpt-redact serve`: a redaction service over one policy (Starlette on uvicorn).

    app.py              the ASGI app: routes, lifespan (model loaded once per worker process)
    config.py           ServiceConfig (a YAML/JSON file or CLI options), the engine factory hook
    http.py             JSON bodies in (size, content type, parse), JSON errors out
    batcher.py          dynamic micro-batching of concurrent requests into one model call
    presidio_api.py     Presidio's analyzer REST API (/analyze, /recognizers, ...)
    anonymizer_api.py   Presidio's anonymizer REST API (/anonymize, /deanonymize, ...)
    native.py           /v1/redact and /v1/analyze over the configured policy
    jsonwalk.py         every string, key and number of a JSON document, redacted and put back
    proxy.py            the redacting OpenAI-compatible proxy (/v1/chat/completions, ...)
    stream.py           on-the-fly redaction of streamed (SSE) answers
    vault.py            per-request re-identification of the caller's own values
    auth.py, metrics.py bearer-token auth, Prometheus /metrics
    openapi.py          the OpenAPI document of exactly the routes served
    middleware.py       RedactBodyMiddleware for embedding in your own ASGI app

Everything here is a thin layer over `jpt_redact.Redactor`; starlette, uvicorn, httpx and
prometheus-client come with the `serve` extra and are imported only by this package.
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "create_app": ("jpt_redact.service.app", "create_app"),
    "ServiceConfig": ("jpt_redact.service.config", "ServiceConfig"),
    "load_service_config": ("jpt_redact.service.config", "load_service_config"),
    "RedactBodyMiddleware": ("jpt_redact.service.middleware", "RedactBodyMiddleware"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        return getattr(importlib.import_module(mod), attr)
    raise AttributeError(name)


__all__ = list(_LAZY)
