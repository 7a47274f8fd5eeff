"""A batch run on the driver: plan -> skip what is committed -> hand out the rest -> manifest.

    plan = plan_batch("tickets.jsonl", "out/", BatchSettings(shard_size=500))
    with BatchRun(plan, policy, keys=keys) as run:       # holds OUTPUT, checks what is done
        run_local(run, engine_factory=lambda: engine)    # or integrations.ray.run_on_ray(run)
    run.summary                                          # BatchSummary; manifest.json written

`BatchRun` never redacts: an executor takes `run.pending` and `run.spec(...)`, runs a
ShardProcessor per worker, and reports each status with `run.record(status)`. The manifest is
written when the run closes, also when it closes on an exception or a SIGTERM (see
`sigterm_raises`): committed shards stay committed, the shards in flight are lost and redone
next time, and no output file is ever partial (each is renamed into place whole).
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..errors import InputError
from ..keys import KeyProvider
from .layout import Layout
from .manifest import committed, compatible, write_manifest
from .plan import BatchPlan
from .shard import Shard
from .worker import ShardProcessor, WorkerSpec

if TYPE_CHECKING:  # pragma: no cover
    from ..policy import Policy

SIGTERM_EXIT = 128 + signal.SIGTERM


@dataclass
class BatchSummary:
    shards: int = 0
    skipped: int = 0  # committed by an earlier run and unchanged
    completed: int = 0  # committed by this run
    failed: list[dict] = field(default_factory=list)  # statuses of shards that failed as a whole
    records: int = 0  # over all committed shards
    written: int = 0
    errors: int = 0  # records not written (errors.jsonl), over all committed shards
    first_record_error: str | None = None  # its error type
    worker_peak_rss_mb: float = 0.0
    complete: bool = False

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class BatchRun:
    def __init__(self, plan: BatchPlan, policy: "Policy", *, keys: KeyProvider | None = None,
                 use_model: bool = True, on_error: str | None = None, batch_size: int | None = None,
                 retry_errors: bool = False) -> None:
        self.plan = plan
        self.policy = policy
        self.keys = keys if keys is not None else KeyProvider.from_env(policy.audit.hash_key_env)
        self.key_id = self.keys.key_id if self.keys.has_key else None
        self.layout = Layout(plan.output_root)
        self.options = {"use_model": use_model, "on_error": on_error, "batch_size": batch_size}
        self.retry_errors = retry_errors
        self.entries: dict[int, dict] = {}
        self.pending: list[Shard] = []
        self.summary = BatchSummary(shards=len(plan.shards))
        self._lock = threading.Lock()
        self._hold: Any = None

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> "BatchRun":
        self._hold = self.layout.exclusive()
        self._hold.__enter__()
        try:
            why = compatible(self.layout, self.plan)
            if why:
                raise InputError(f"{self.plan.output_root}: {why}; write to a new output directory")
            self.layout.remove_stale_temporaries()
            for shard in self.plan.shards:
                entry = committed(self.layout, shard, self.policy.content_hash, self.key_id, self.keys)
                if entry is not None and not (self.retry_errors and entry.get("errors")):
                    self.entries[shard.index] = entry
                else:
                    self.pending.append(shard)
            self.summary.skipped = len(self.entries)
            write_manifest(self.layout, self.plan, self.policy, self.keys, self.entries, status="running")
        except BaseException:
            self._hold.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            write_manifest(self.layout, self.plan, self.policy, self.keys, self.entries)
            self._summarize()
        finally:
            self._hold.__exit__(None, None, None)

    # -- for executors --------------------------------------------------------------------------
    def spec(self, engine_factory: Callable[[], Any] | None = None) -> WorkerSpec:
        return WorkerSpec(self.policy, self.plan.settings, str(self.plan.input_root), str(self.plan.output_root),
                          engine_factory=engine_factory, expect_key_id=self.key_id, **self.options)

    def record(self, status: dict) -> None:
        """Take one worker status (ShardProcessor.process); thread-safe."""
        with self._lock:
            if status.get("ok"):
                self.entries[status["index"]] = status["entry"]
                self.summary.completed += 1
                rss = float(status["entry"].get("worker_peak_rss_mb") or 0.0)
                self.summary.worker_peak_rss_mb = max(self.summary.worker_peak_rss_mb, rss)
            else:
                self.summary.failed.append({k: status.get(k) for k in ("index", "error", "message", "exit_code")})

    def _summarize(self) -> None:
        s = self.summary
        ordered = [self.entries[i] for i in sorted(self.entries)]
        s.records = sum(e["records"] for e in ordered)
        s.written = sum(e["written"] for e in ordered)
        errs = [err for e in ordered for err in e.get("errors", ())]
        s.errors = len(errs)
        s.first_record_error = errs[0]["error"] if errs else None
        s.complete = len(self.entries) == len(self.plan.shards)


def run_local(run: BatchRun, *, engine_factory: Callable[[], Any] | None = None,
              progress: Callable[[dict], None] | None = None) -> None:
    """Process the pending shards one after another in this process (`--engine local`)."""
    processor = ShardProcessor(run.spec(engine_factory), keys=run.keys)
    for shard in run.pending:
        status = processor.process(shard)
        run.record(status)
        if progress is not None:
            progress(status)


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """While inside, SIGTERM raises SystemExit(143) in the main thread, so `finally` blocks run:
    a temporary being written is removed and the manifest records what was committed. (Python's
    default for SIGTERM is to die on the spot.) Outside the main thread: nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise SystemExit(SIGTERM_EXIT)

    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
