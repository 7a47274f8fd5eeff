"""Prometheus metrics of one worker process, served at GET /metrics.

Labels are route templates, statuses, error types and entity types: never a value, a path
with parameters, or anything else from a request. With `--workers N` each process counts
its own requests (a scrape reaches one of them); run one worker per container, or scrape
each, for totals.
"""
from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from .http import route_path

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512)


class Metrics:
    def __init__(self, known_paths: Iterable[str] = ()) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.known_paths = frozenset(known_paths)
        r = self.registry
        self.requests = Counter("jpt_redact_requests", "HTTP requests answered", ["route", "status"], registry=r)
        self.latency = Histogram("jpt_redact_request_seconds", "Time to answer a request", ["route"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.errors = Counter("jpt_redact_errors", "Refused or failed requests", ["route", "type"], registry=r)
        self.batch_texts = Histogram("jpt_redact_batch_texts", "Texts per model call", buckets=BATCH_BUCKETS, registry=r)
        self.batch_requests = Histogram("jpt_redact_batch_requests", "Requests per model call",
                                        buckets=BATCH_BUCKETS, registry=r)
        self.batch_seconds = Histogram("jpt_redact_batch_seconds", "Duration of one model call",
                                       buckets=LATENCY_BUCKETS, registry=r)
        self.queue_wait = Histogram("jpt_redact_queue_wait_seconds", "Time a request waited for its model call",
                                    buckets=LATENCY_BUCKETS, registry=r)
        self.queue_depth = Gauge("jpt_redact_queue_depth", "Requests waiting for a model call", registry=r)
        self.rejected = Counter("jpt_redact_rejected", "Requests refused because the queue was full", registry=r)
        self.findings = Counter("jpt_redact_findings", "Findings by entity type", ["entity_type"], registry=r)
        self.stream_delay = Histogram("jpt_redact_stream_chunk_delay_seconds",
                                      "Delay added to a streamed chunk (arrival to release)",
                                      buckets=LATENCY_BUCKETS, registry=r)

    def route_label(self, scope: Any) -> str:
        path = route_path(scope)
        return path if path in self.known_paths else "other"  # never an arbitrary path

    def observe_batch(self, texts: int, requests: int, seconds: float, waits: Iterable[float]) -> None:
        self.batch_texts.observe(texts)
        self.batch_requests.observe(requests)
        self.batch_seconds.observe(seconds)
        for w in waits:
            self.queue_wait.observe(max(0.0, w))

    def count_findings(self, labels: Iterable[str]) -> None:
        for label in labels:
            self.findings.labels(entity_type=label).inc()

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


class MetricsMiddleware:
    """Counts every HTTP response and its latency (pure ASGI: streamed bodies pass untouched)."""

    def __init__(self, app: Any, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.metrics.route_label(scope)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_counting(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_counting)
        finally:
            self.metrics.requests.labels(route=route, status=str(status["code"])).inc()
            self.metrics.latency.labels(route=route).observe(time.perf_counter() - started)


async def metrics_endpoint(request: Request) -> Response:
    return request.app.state.service.metrics.render()
