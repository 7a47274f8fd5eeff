"""ShardProcessor: what runs on a worker. One engine per processor, loaded on the first shard;
per shard a light Redactor over that engine, so each shard has its own audit chain and its own
run state (numbered placeholders and pseudonyms are consistent within a shard, and a shard's
output does not depend on which worker ran it or what it ran before).

Per shard: read its records (and check their hash against the plan), redact them with
`return_exceptions=True`, write the outputs (atomic), move the audit shard into place, and
write the commit record last. A record whose detection fails is left out of the output and
listed in the commit's errors; a shard that fails as a whole (unreadable input, a model that
cannot load, a full disk) commits nothing and comes back as a failed status, to be redone.

The key is the driver's (local runs) or read on the worker from the policy's key variable
(`audit.hash_key_env`, Ray); `expect_key_id` makes a worker with another key fail its shards
rather than write audit MACs that the driver's key cannot verify.
"""
from __future__ import annotations

import os
import resource
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import DetectionError, InputError, JPTRedactError, OperatorError
from ..exporters.audit import verify_log
from ..keys import KeyProvider
from .formats import Record, read_records, write_outputs
from .layout import Layout
from .manifest import input_fields, now, policy_fields, read_json, write_json
from .shard import BatchSettings, Shard

if TYPE_CHECKING:  # pragma: no cover
    from ..policy import Policy


@dataclass(frozen=True)
class WorkerSpec:
    """What a worker needs; picklable when engine_factory is (Ray ships it to every actor)."""

    policy: "Policy"
    settings: BatchSettings
    input_root: str
    output_root: str
    use_model: bool = True
    on_error: str | None = None
    batch_size: int | None = None
    engine_factory: Callable[[], Any] | None = None  # None: load policy.model
    expect_key_id: str | None = None


class ShardProcessor:
    def __init__(self, spec: WorkerSpec, *, keys: KeyProvider | None = None) -> None:
        self.spec = spec
        self.layout = Layout(spec.output_root)
        self._keys = keys
        self._engine: Any = None
        self._loaded = False
        self._lock = threading.Lock()

    @property
    def keys(self) -> KeyProvider:
        if self._keys is None:
            self._keys = KeyProvider.from_env(self.spec.policy.audit.hash_key_env)
        return self._keys

    @property
    def engine(self) -> Any:
        """Loaded once, on first use (a model that cannot load fails the shard, not the actor)."""
        with self._lock:
            if not self._loaded:
                if not self.spec.use_model:
                    self._engine = None
                elif self.spec.engine_factory is not None:
                    self._engine = self.spec.engine_factory()
                else:
                    from ..redactor import Redactor

                    self._engine = Redactor.from_policy(self.spec.policy).engine
                self._loaded = True
            return self._engine

    def process(self, shard: Shard) -> dict:
        """Redact one shard. Returns a status: {"index", "ok": True, "entry": commit} or
        {"index", "ok": False, "error": type, "message": PII-free text, "exit_code"}."""
        try:
            entry = self._process(shard)
        except Exception as exc:
            # JPTRedactError messages are PII-free by contract; other exceptions may quote
            # text (a library error about a record), so only their type goes out.
            message = str(exc) if isinstance(exc, JPTRedactError) else type(exc).__name__
            return {"index": shard.index, "ok": False, "error": type(exc).__name__, "message": message,
                    "exit_code": getattr(exc, "exit_code", 1)}
        return {"index": shard.index, "ok": True, "entry": entry}

    def _process(self, shard: Shard) -> dict:
        spec = self.spec
        keys = self.keys
        key_id = keys.key_id if keys.has_key else None
        if key_id != spec.expect_key_id:
            raise OperatorError(f"this worker's key (id {key_id}) is not the driver's (id {spec.expect_key_id}); "
                                f"set {spec.policy.audit.hash_key_env} to the same key on every worker")
        read = read_records(shard, Path(spec.input_root), spec.settings)
        if read.sha256 is not None and read.sha256 != shard.input_sha256:
            raise InputError(f"shard {shard.index}: its input changed after planning; run again")
        # errors by record position, so errors.jsonl lists them in input order
        errors: dict[int, dict] = {}
        usable: list[tuple[int, Record]] = []
        for pos, r in enumerate(read.records):
            if r.text is None or not _valid(r):
                errors[pos] = _error(r.id, r.error or "InputError", "read")
            else:
                usable.append((pos, r))
        from ..redactor import Redactor

        log = self.layout.audit_log(shard.index)
        tmp_log = self.layout.temp_next_to(log)
        try:
            redactor = Redactor.from_policy(spec.policy, engine=self.engine, use_model=spec.use_model, keys=keys,
                                            audit_path=tmp_log, on_error=spec.on_error)  # type: ignore[arg-type]
            try:
                results = redactor.redact_many([r.text for _, r in usable], batch_size=spec.batch_size,
                                               document_ids=[str(r.id) for _, r in usable], return_exceptions=True)
                model_id = redactor.model_id
            finally:
                redactor.close()
            done: list[tuple[Record, str]] = []
            for (pos, record), result in zip(usable, results):
                if isinstance(result, DetectionError):
                    errors[pos] = _detection_error(record.id, result)
                    continue
                if result.whole_document_redacted:  # on_error=redact_all: the placeholder is written
                    errors[pos] = {**_error(record.id, "DetectionError", "detection"), "output": "placeholder"}
                done.append((record, result.text))
            outputs = write_outputs(shard, read, Path(spec.output_root), spec.settings, done)
            return self._commit(shard, tmp_log, log, {
                "index": shard.index, **input_fields(shard, keys), "policy": policy_fields(spec.policy),
                "key_id": key_id, "records": len(read.records), "written": len(done),
                "outputs": [o.to_dict() for o in outputs], "errors": [errors[p] for p in sorted(errors)],
                "time": now(), "model_id": model_id, "worker_peak_rss_mb": _peak_rss_mb(),
            }, keys)
        finally:
            if tmp_log.exists():
                tmp_log.unlink()

    def _commit(self, shard: Shard, tmp_log: Path, log: Path, entry: dict, keys: KeyProvider) -> dict:
        """Audit shard into place, check it, drop outputs an earlier attempt wrote that this one
        did not, then the commit record: the shard is done only once that exists."""
        old = read_json(self.layout.commit(shard.index))
        os.replace(tmp_log, log)
        result = verify_log(log, keys)
        if not result.ok:  # our own fresh log: never expected, but never committed either
            raise InputError(f"shard {shard.index}: the audit shard just written does not verify ({result.reason})")
        entry["audit"] = {"path": self.layout.rel(log), "records": result.records, "head": result.last_hash}
        if isinstance(old, dict):
            keep = {o["path"] for o in entry["outputs"]}
            for o in old.get("outputs", ()):
                if isinstance(o, dict) and o.get("path") not in keep:
                    (self.layout.root / str(o.get("path"))).unlink(missing_ok=True)
        write_json(self.layout.commit(shard.index), entry)
        return entry


def _valid(record: Record) -> bool:
    try:
        record.text.encode("utf-8")  # type: ignore[union-attr]
    except UnicodeEncodeError:  # a lone surrogate (a JSON "\ud800" escape): not text
        return False
    return True


def _error(rid: Any, error: str, stage: str) -> dict:
    return {"id": rid, "error": error, "stage": stage}


def _detection_error(rid: Any, err: DetectionError) -> dict:
    stage = (err.reason or "detection").split(":", 1)[0]
    out = _error(rid, "DetectionError", stage)
    if getattr(err, "cause_type", None):  # not err.__cause__: DetectionError never chains (messages may quote text)
        out["cause"] = err.cause_type
    return out


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
