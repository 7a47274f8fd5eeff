"""The ASGI app: one table of endpoints, from which both the routes and the OpenAPI document
are built, plus the lifespan that loads the model once per worker process.

    app = create_app(load_service_config("service.yaml"))     # or create_app(redactor=...)
    uvicorn.run(app, host="127.0.0.1", port=8080)

Why Starlette and not FastAPI: the service needs routing, a lifespan and streaming responses,
which is all Starlette; the request schemas are ours (pydantic models with extra="forbid",
errors rendered so they never echo input) and so is the OpenAPI document (openapi.py), so
FastAPI's layer would add a dependency and a second, automatic validation and error format
that we would have to switch off.

Every endpoint is wrapped by `_guard`: whatever goes wrong becomes a JSON error (http.py)
naming only the exception type; the request body is never logged.
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import anonymizer_api, native, presidio_api, proxy
from .auth import BearerAuthMiddleware, load_token
from .config import ServiceConfig, config_from_env
from .http import error_response, from_library_error
from .metrics import MetricsMiddleware, metrics_endpoint
from .presidio_schemas import AnalyzeRequest, AnonymizeRequest, DeanonymizeRequest
from .state import ServiceState

log = logging.getLogger("jpt_redact.service")


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str
    handler: Callable[[Request], Awaitable[Response]]
    summary: str
    tag: str
    response: str
    request_model: Any = None
    query_language: bool = False

    @property
    def name(self) -> str:
        return self.method.lower() + self.path.replace("/", "_").replace(".", "_")


async def health(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    policy = svc.redactor.policy
    return JSONResponse({"status": "ok", "policy": {"name": policy.name, "version": policy.version}})


async def openapi_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.openapi)


ENDPOINTS: list[Endpoint] = [
    Endpoint("/analyze", "POST", presidio_api.analyze_endpoint, "Analyze text (Presidio)", "Analyzer",
             "analyze", AnalyzeRequest),
    Endpoint("/recognizers", "GET", presidio_api.recognizers_endpoint, "Recognizers (Presidio)", "Analyzer",
             "strings", query_language=True),
    Endpoint("/supportedentities", "GET", presidio_api.supported_entities_endpoint, "Supported entities (Presidio)",
             "Analyzer", "strings", query_language=True),
    Endpoint("/anonymize", "POST", anonymizer_api.anonymize_endpoint, "Anonymize text (Presidio)", "Anonymizer",
             "text_items", AnonymizeRequest),
    Endpoint("/deanonymize", "POST", anonymizer_api.deanonymize_endpoint, "Decrypt encrypted entities (Presidio)",
             "Anonymizer", "text_items", DeanonymizeRequest),
    Endpoint("/anonymizers", "GET", anonymizer_api.anonymizers_endpoint, "Operators (Presidio)", "Anonymizer",
             "strings"),
    Endpoint("/deanonymizers", "GET", anonymizer_api.deanonymizers_endpoint, "Deanonymizers (Presidio)",
             "Anonymizer", "strings"),
    Endpoint("/v1/redact", "POST", native.redact_endpoint, "Redact texts with the server's policy", "Native",
             "redact", native.RedactRequest),
    Endpoint("/v1/analyze", "POST", native.analyze_endpoint, "Find PII spans with the server's policy", "Native",
             "analyze_native", native.AnalyzeRequest),
    *[Endpoint(path, "POST", proxy.proxy_endpoint, f"Redacting proxy to the upstream's {suffix}", "Proxy", "proxy")
      for path, suffix in proxy.ROUTES.items()],
    Endpoint("/health", "GET", health, "Liveness and the policy served", "Operations", "health"),
    Endpoint("/metrics", "GET", metrics_endpoint, "Prometheus metrics of this worker", "Operations", "metrics"),
    Endpoint("/openapi.json", "GET", openapi_endpoint, "This document", "Operations", "openapi"),
]


def _guard(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except Exception as exc:  # noqa: BLE001  every failure is an answer, none a traceback with data
            err = from_library_error(exc)
            svc = request.app.state.service
            route = svc.metrics.route_label(request.scope)
            svc.metrics.errors.labels(route=route, type=err.kind).inc()
            if err.status >= 500:
                log.warning("%s %s failed: %s (%s)", request.method, route, err.kind, type(exc).__name__)
            return error_response(request, err.status, err.message, err.kind, err.headers)

    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    return endpoint


async def _http_exception(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    message = {404: "no such route (GET /openapi.json lists them)", 405: "method not allowed"}.get(status, "refused")
    return error_response(request, status, message, "not_found" if status == 404 else "invalid_request")


def create_app(config: ServiceConfig | None = None, *, redactor: Any = None) -> Starlette:
    """The service app. `redactor`: an already built Redactor (else built from the config at
    start-up, in the worker process, with `engine_factory` if set)."""
    from .openapi import build_openapi

    config = config or ServiceConfig()
    state = ServiceState(config, redactor, known_paths=[ep.path for ep in ENDPOINTS])

    @asynccontextmanager
    async def lifespan(app: Starlette):
        await state.start()
        try:
            yield
        finally:
            await state.stop()  # after uvicorn stopped accepting and let requests finish

    middleware = [Middleware(MetricsMiddleware, metrics=state.metrics)]
    if config.auth is not None:
        middleware.append(Middleware(BearerAuthMiddleware, token=load_token(config.auth),
                                     public_paths=config.auth.public_paths))
    app = Starlette(
        routes=[Route(ep.path, _guard(ep.handler), methods=[ep.method]) for ep in ENDPOINTS],
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={StarletteHTTPException: _http_exception},
    )
    app.state.service = state
    app.state.openapi = build_openapi(ENDPOINTS)
    return app


def create_app_from_env() -> Starlette:
    """uvicorn's factory (`jpt-redact serve` hands the config over in JPT_REDACT_SERVICE_CONFIG)."""
    return create_app(config_from_env())
