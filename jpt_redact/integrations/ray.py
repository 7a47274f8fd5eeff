"""Redaction on Ray Data: an actor pool with one engine per actor, loaded once.

Two entry points:

* `redact_dataset(ds, policy, column="text")`: for your own pipeline (read -> this -> write).
  Each row keeps its other columns (ids included); `column` is replaced by the redacted text
  and `error_column` says why a row was not redacted. A row whose detection failed gets a null
  text, never its original: filter on `error_column` before you write.
* `run_on_ray(run)`: the executor behind `jpt-redact batch --engine ray`. The unit of work is
  a shard (jpt_redact/batch): a dataset of shard descriptions goes through `map_batches` with
  ShardActor, whose ShardProcessor reads the shard, redacts it, writes its output, audit shard
  and commit record, and returns a status. It is the same code as `--engine local`, so the
  outputs are byte-identical; the workers need the input and output paths (a shared
  filesystem on a cluster).

Sizing: one actor per GPU when the cluster has GPUs (`num_gpus=1` each), else one per
`num_cpus` CPUs; `workers` caps the pool. Keys: workers read the policy's key variable
(`audit.hash_key_env`, default JPT_REDACT_KEY) from their own environment; key material is
never put in a task argument. A worker with a different key fails its shards.

Failures: a shard that fails as a whole comes back as a failed status (redone next run). An
actor that dies (OOM, a lost node) is restarted by Ray Data and its shard retried, Ray Data's
default for actor pools; a shard that kills its worker every time (a huge document) keeps
being retried, so bound document size (`--max-size`) and shard size for your workers' memory.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..batch.shard import Shard
from ..batch.runner import BatchRun
from ..batch.worker import ShardProcessor, WorkerSpec
from ..errors import DetectionError, JPTRedactError

if TYPE_CHECKING:  # pragma: no cover
    from ..policy import Policy

def pool_size(resources: Mapping[str, float], workers: int | None = None, num_gpus: float | None = None,
              num_cpus: float = 1.0) -> tuple[int, float]:
    """(actors, GPUs per actor) for a cluster's resources (`ray.cluster_resources()`): one actor
    per GPU (or per `num_gpus`) when there are GPUs, else one per `num_cpus` CPUs; `workers`
    sets the pool's maximum instead (an autoscaling cluster may not have the room yet)."""
    gpus = float(resources.get("GPU", 0.0))
    per_gpu = (1.0 if gpus >= 1 else 0.0) if num_gpus is None else float(num_gpus)
    if per_gpu > 0:
        fit = int(gpus // per_gpu)
    else:
        fit = int(float(resources.get("CPU", 1.0)) // max(float(num_cpus), 1e-9))
    return max(1, fit if workers is None else workers), per_gpu


def _ray():
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ImportError("Ray is not installed: pip install 'jpt-redact[ray]'", name="ray") from exc
    return ray


def _connect(address: str | None) -> bool:
    """Connect (or start a local Ray); True if this call did, so the caller shuts it down."""
    ray = _ray()
    if ray.is_initialized():
        return False
    if address is None:  # RAY_ADDRESS if set, else a new local Ray on this machine
        ray.init(include_dashboard=False)
    else:
        ray.init(address=address)
    return True


# -- shards (jpt-redact batch) ----------------------------------------------------------------
class ShardActor:
    """map_batches callable: each row a JSON shard description, each output row its status."""

    def __init__(self, spec: WorkerSpec) -> None:
        self.processor = ShardProcessor(spec)

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        statuses = [self.processor.process(Shard.from_dict(json.loads(str(s)))) for s in batch["shard"]]
        return {"status": np.array([json.dumps(s) for s in statuses], dtype=object)}


def run_on_ray(run: BatchRun, *, address: str | None = None, workers: int | None = None,
               num_gpus: float | None = None, num_cpus: float = 1.0,
               engine_factory: Callable[[], Any] | None = None,
               progress: Callable[[dict], None] | None = None, quiet: bool = False) -> None:
    """Process `run.pending` on a Ray cluster (`address`: ray://..., auto, or None for
    RAY_ADDRESS / a local Ray). Statuses are recorded as shards finish, in any order."""
    if not run.pending:
        return
    ray = _ray()
    started = _connect(address)
    ctx = ray.data.DataContext.get_current()
    bars, ctx.enable_progress_bars = ctx.enable_progress_bars, ctx.enable_progress_bars and not quiet
    try:
        size, gpus = pool_size(ray.cluster_resources(), workers, num_gpus, num_cpus)
        items = [{"shard": json.dumps(s.to_dict())} for s in run.pending]
        ds = ray.data.from_items(items, override_num_blocks=len(items))
        out = ds.map_batches(
            ShardActor, fn_constructor_kwargs={"spec": run.spec(engine_factory)}, batch_size=1, batch_format="numpy",
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=min(size, len(items))),
            num_cpus=num_cpus, num_gpus=gpus or None,
        )
        try:
            for row in out.iter_rows():
                status = json.loads(row["status"])
                run.record(status)
                if progress is not None:
                    progress(status)
        except (JPTRedactError, KeyboardInterrupt, SystemExit):
            raise
        except Exception as exc:  # a Ray error may carry a worker's traceback: its type only
            raise JPTRedactError(f"the Ray job stopped ({type(exc).__name__}); committed shards are kept, "
                                 "run the same command again to resume") from None
    finally:
        ctx.enable_progress_bars = bars
        if started:
            ray.shutdown()


# -- rows (your own pipeline) -----------------------------------------------------------------
class RedactBatch:
    """map_batches callable for `redact_dataset`: one Redactor per actor, built once."""

    def __init__(self, policy: "Policy", column: str, id_column: str | None, error_column: str,
                 use_model: bool, on_error: str | None, batch_size: int | None,
                 engine_factory: Callable[[], Any] | None, audit_dir: str | None) -> None:
        import uuid

        from ..redactor import Redactor

        engine = engine_factory() if (engine_factory is not None and use_model) else None
        audit = str(Path(audit_dir) / f"worker-{uuid.uuid4().hex[:12]}.jsonl") if audit_dir else None
        self.redactor = Redactor.from_policy(policy, engine=engine, use_model=use_model, audit_path=audit,
                                             on_error=on_error)  # type: ignore[arg-type]
        self.column, self.id_column, self.error_column = column, id_column, error_column
        self.batch_size = batch_size

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        texts = list(batch[self.column])
        ids = list(batch[self.id_column]) if self.id_column else None
        out: list[str | None] = [None] * len(texts)
        errors: list[str | None] = ["InputError"] * len(texts)
        ok = [i for i, t in enumerate(texts) if isinstance(t, str) and _encodable(t)]
        results = self.redactor.redact_many(
            [str(texts[i]) for i in ok], batch_size=self.batch_size, return_exceptions=True,
            document_ids=None if ids is None else [str(ids[i]) for i in ok],
        )
        for i, result in zip(ok, results):
            if isinstance(result, DetectionError):
                errors[i] = "DetectionError"
            else:
                out[i] = result.text
                errors[i] = "DetectionError" if result.whole_document_redacted else None
        return {**batch, self.column: np.array(out, dtype=object), self.error_column: np.array(errors, dtype=object)}

    def __del__(self) -> None:
        try:
            self.redactor.close()
        except Exception:
            pass


def redact_dataset(ds: Any, policy: "str | Path | Policy", column: str = "text", *, id_column: str | None = None,
                   error_column: str = "redaction_error", use_model: bool = True, on_error: str | None = None,
                   batch_size: int | None = None, rows_per_call: int = 256, workers: int | None = None,
                   num_gpus: float | None = None, num_cpus: float = 1.0,
                   engine_factory: Callable[[], Any] | None = None, audit_dir: str | None = None) -> Any:
    """A lazy Dataset with `column` redacted and `error_column` added (null when redacted).

    policy: a built-in name, a YAML path, or a Policy (validated here, on the driver).
    id_column: recorded as document_id in the audit logs (audit_dir: one chained log per actor).
    rows_per_call: rows per map_batches call; batch_size: documents per model call inside it.
    engine_factory: a picklable callable returning an engine (tests, custom models); None loads
        the policy's model once per actor.
    Order: rows keep their columns whatever the order; for input order, set
    `ray.data.DataContext.get_current().execution_options.preserve_order = True`.
    """
    ray = _ray()
    from ..policy import load_policy

    pol = load_policy(policy)
    from ..redactor import validate_policy

    validate_policy(pol)  # a bad policy fails here, not in every actor
    resources = ray.cluster_resources() if ray.is_initialized() else {}
    size, gpus = pool_size(resources, workers, num_gpus, num_cpus)
    return ds.map_batches(
        RedactBatch, batch_size=rows_per_call, batch_format="numpy",
        fn_constructor_kwargs={"policy": pol, "column": column, "id_column": id_column, "error_column": error_column,
                               "use_model": use_model, "on_error": on_error, "batch_size": batch_size,
                               "engine_factory": engine_factory, "audit_dir": audit_dir},
        compute=ray.data.ActorPoolStrategy(min_size=1, max_size=size), num_cpus=num_cpus, num_gpus=gpus or None,
    )


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
