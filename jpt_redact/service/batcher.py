"""Dynamic micro-batching: concurrent requests share one model call.

    batcher = MicroBatcher(redactor, BatchingConfig(max_batch=32, max_wait_ms=5, queue_size=256))
    await batcher.start()
    results = await batcher.submit("redact", texts, document_ids=ids, timeout=30)
    await batcher.close()            # graceful: every queued request is still answered

One worker task takes the first waiting request, waits up to `max_wait_ms` for more, and
sends the texts of all of them (at most `max_batch`; a request is never split) to the
Redactor in one `redact_many` / `analyze_many` call, on one dedicated thread: one model per
worker process, never two calls at once. Each request gets back exactly its own slice, in
order. If the batch call raises (a bad text in one request, a missing key), every request is
retried alone, so one request's failure never fails or leaks into its neighbours.

Refusals: a full queue is 429, a request not done within `timeout` is 503 (it is dropped if
not started yet), a request after `close()` began is 503.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

from .config import BatchingConfig
from .http import HTTPError

Kind = Literal["redact", "analyze"]


@dataclass(eq=False)
class _Job:
    kind: Kind
    texts: list[str]
    document_ids: list[str] | None
    future: asyncio.Future
    enqueued: float = field(default_factory=time.perf_counter)


class MicroBatcher:
    def __init__(self, redactor: Any, config: BatchingConfig | None = None, metrics: Any = None) -> None:
        self.redactor = redactor
        self.config = config or BatchingConfig()
        self.metrics = metrics
        self._queue: asyncio.Queue[_Job | None] | None = None
        self._arrived: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self._closing = False
        self._in_flight = 0  # batching off: calls running or waiting for a thread
        self._executor = ThreadPoolExecutor(
            max_workers=1 if self.config.enabled else min(32, self.config.queue_size),
            thread_name_prefix="jpt-redact-model",
        )

    async def start(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.config.queue_size)
        self._arrived = asyncio.Event()
        if self.config.enabled:
            self._task = asyncio.create_task(self._worker(), name="jpt-redact-batcher")

    # -- submitting ------------------------------------------------------------------------
    async def submit(self, kind: Kind, texts: Sequence[str], *, document_ids: Sequence[str] | None = None,
                     timeout: float | None = None) -> list[Any]:
        """Per text a RedactionResult / AnalysisResult, or the DetectionError of that text.
        Raises the request's own error (InputError, OperatorError, ...) or an HTTPError."""
        if self._closing or self._queue is None:
            raise HTTPError(503, "the server is shutting down", "unavailable", {"retry-after": "1"})
        texts = list(texts)
        if not texts:
            return []
        job = _Job(kind, texts, list(document_ids) if document_ids is not None else None,
                   asyncio.get_running_loop().create_future())
        if self.config.enabled:
            try:
                self._queue.put_nowait(job)
            except asyncio.QueueFull:
                self._count_rejected()
                raise HTTPError(429, "too many requests waiting; retry later", "rate_limited", {"retry-after": "1"}) from None
            self._arrived.set()  # type: ignore[union-attr]
            self._gauge()
            waiter: Any = job.future
        else:
            if self._in_flight >= self.config.queue_size:
                self._count_rejected()
                raise HTTPError(429, "too many requests in flight; retry later", "rate_limited", {"retry-after": "1"})
            waiter = self._run_alone(job)
        try:
            outcome = await asyncio.wait_for(waiter, timeout)
        except asyncio.TimeoutError:
            raise HTTPError(503, f"not redacted within {timeout:g} s; nothing was returned or forwarded",
                            "timeout", {"retry-after": "1"}) from None
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def _run_alone(self, job: _Job) -> Any:
        self._in_flight += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._call, job.kind, [job])
        finally:
            self._in_flight -= 1

    # -- the worker ------------------------------------------------------------------------
    async def _worker(self) -> None:
        assert self._queue is not None and self._arrived is not None
        loop = asyncio.get_running_loop()
        carry: _Job | None = None
        stop = False
        while not stop:
            first = carry if carry is not None else await self._queue.get()
            carry = None
            if first is None:
                break
            batch, n = [first], len(first.texts)
            deadline = loop.time() + self.config.max_wait_ms / 1000
            while n < self.config.max_batch:
                if self._queue.empty():
                    remaining = deadline - loop.time()
                    if remaining <= 0:
                        break
                    self._arrived.clear()
                    try:
                        await asyncio.wait_for(self._arrived.wait(), remaining)
                    except asyncio.TimeoutError:
                        break
                    continue
                nxt = self._queue.get_nowait()
                if nxt is None:
                    stop = True
                    break
                if n + len(nxt.texts) > self.config.max_batch:
                    carry = nxt  # first of the next batch: a request is never split
                    break
                batch.append(nxt)
                n += len(nxt.texts)
            self._gauge()
            live = [j for j in batch if not j.future.done()]  # timed out while waiting: dropped
            for kind in ("redact", "analyze"):
                jobs = [j for j in live if j.kind == kind]
                if jobs:
                    outcomes = await loop.run_in_executor(self._executor, self._run, kind, jobs)
                    for job, outcome in zip(jobs, outcomes):
                        if not job.future.done():
                            job.future.set_result(outcome)

    def _run(self, kind: Kind, jobs: list[_Job]) -> list[Any]:
        """In the model thread: one call for all jobs; on an exception, each job alone."""
        try:
            results = self._call(kind, jobs)
        except Exception as exc:  # noqa: BLE001  (handed to the request, typed there)
            if len(jobs) == 1:
                return [exc]
            return [self._run(kind, [job])[0] for job in jobs]
        out, lo = [], 0
        for job in jobs:
            out.append(results[lo : lo + len(job.texts)])
            lo += len(job.texts)
        return out

    def _call(self, kind: Kind, jobs: list[_Job]) -> list[Any]:
        texts = [t for job in jobs for t in job.texts]
        started = time.perf_counter()
        if kind == "redact":
            ids = [d for job in jobs for d in (job.document_ids or [None] * len(job.texts))]
            results = self.redactor.redact_many(texts, batch_size=len(texts), document_ids=ids, return_exceptions=True)
        else:
            results = self.redactor.analyze_many(texts, batch_size=len(texts))
        if self.metrics is not None:
            self.metrics.observe_batch(len(texts), len(jobs), time.perf_counter() - started,
                                       [started - j.enqueued for j in jobs])
        return results

    # -- shutdown --------------------------------------------------------------------------
    async def close(self, timeout: float | None = None) -> None:
        """Refuse new requests, answer every queued one, then stop the worker."""
        self._closing = True
        if self._task is not None and self._queue is not None:
            await self._queue.put(None)
            self._arrived.set()  # type: ignore[union-attr]
            try:
                await asyncio.wait_for(self._task, timeout)
            except asyncio.TimeoutError:
                self._task.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    @property
    def depth(self) -> int:
        return self._queue.qsize() if self._queue is not None else 0

    def _gauge(self) -> None:
        if self.metrics is not None:
            self.metrics.queue_depth.set(self.depth)

    def _count_rejected(self) -> None:
        if self.metrics is not None:
            self.metrics.rejected.inc()
