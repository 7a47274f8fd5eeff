"""What one worker process holds: the Redactor (one model, loaded once), the batcher, metrics,
the upstream HTTP client. Routes reach it as `request.app.state.service`.

`redact` and `analyze` are the only way routes touch the model. Both fail closed: if any text
of a request could not be redacted, the request's error is raised and nothing of it is
returned or forwarded (with `on_error: redact_all` the Redactor returns placeholders instead,
which count as redacted).
"""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import Sequence
from typing import Any

from ..errors import DetectionError, PolicyError
from .batcher import MicroBatcher
from .config import ServiceConfig, import_factory
from .metrics import Metrics

log = logging.getLogger("jpt_redact.service")
WARMUP_TEXT = "Warm-up: Alice Smith wrote to alice@example.com from Paris."


def build_redactor(config: ServiceConfig) -> Any:
    from ..redactor import Redactor
    from ..policy import load_policy

    policy = load_policy(config.policy)
    engine = None
    if config.engine_factory and config.use_model:
        engine = import_factory(config.engine_factory)(policy, **config.engine_options)
    return Redactor.from_policy(policy, engine=engine, use_model=config.use_model, audit_path=config.audit_path,
                                on_error=config.on_error)


class ServiceState:
    def __init__(self, config: ServiceConfig, redactor: Any = None, known_paths: Sequence[str] = ()) -> None:
        self.config = config
        self.redactor = redactor
        self.metrics = Metrics(known_paths)
        self.batcher: MicroBatcher | None = None
        self.http: Any = None
        self.upstream_key: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        if self.redactor is None:
            self.redactor = await asyncio.to_thread(build_redactor, self.config)
        if self.config.warmup:
            await asyncio.to_thread(self.redactor.analyze, WARMUP_TEXT)  # the model loads here, not on a request
        self.batcher = MicroBatcher(self.redactor, self.config.batching, self.metrics)
        await self.batcher.start()
        upstream = self.config.upstream
        if upstream is not None:
            import httpx

            if upstream.api_key_env:
                self.upstream_key = os.environ.get(upstream.api_key_env) or None
                if self.upstream_key is None:
                    raise PolicyError(f"upstream.api_key_env: {upstream.api_key_env} is not set")
            self.http = httpx.AsyncClient(timeout=httpx.Timeout(upstream.timeout_s), follow_redirects=False)
        # after the warm-up the model is loaded, so asking for its id costs nothing
        model = self.redactor.model_id if self.config.warmup else "loads on first use"
        log.info("serving policy %s (model %s)", self.redactor.policy.name, model)

    async def stop(self) -> None:
        if self.batcher is not None:
            await self.batcher.close(self.config.limits.graceful_shutdown_s)
        if self.http is not None:
            await self.http.aclose()
        if self.redactor is not None:
            self.redactor.close()

    # -- the model -------------------------------------------------------------------------
    async def redact(self, texts: Sequence[str], *, request_id: str | None = None,
                     document_ids: Sequence[str] | None = None) -> list[Any]:
        """One RedactionResult per text, or the request's error (fail closed)."""
        rid = request_id or new_request_id()
        ids = list(document_ids) if document_ids is not None else [f"{rid}/{i}" for i in range(len(texts))]
        results = await self.batcher.submit("redact", texts, document_ids=ids,  # type: ignore[union-attr]
                                            timeout=self.config.limits.request_timeout_s)
        _raise_first_failure(results)
        self.metrics.count_findings(f.span.label for r in results for f in r.findings)
        return results

    async def analyze(self, texts: Sequence[str]) -> list[Any]:
        results = await self.batcher.submit("analyze", texts,  # type: ignore[union-attr]
                                            timeout=self.config.limits.request_timeout_s)
        _raise_first_failure(results)
        self.metrics.count_findings(s.label for r in results for s in r.spans)
        return results

    # -- the policy, as Presidio names it ----------------------------------------------------
    def presidio_names(self) -> dict[str, str]:
        """Policy label -> Presidio entity name (the type's presidio_entity, else its label)."""
        return {label: e.presidio_entity or label for label, e in self.redactor.policy.entities.items()}


def _raise_first_failure(results: list[Any]) -> None:
    for r in results:
        if isinstance(r, BaseException):
            raise r if isinstance(r, DetectionError) else DetectionError(f"detection failed ({type(r).__name__})")


def new_request_id() -> str:
    return uuid.uuid4().hex[:16]
