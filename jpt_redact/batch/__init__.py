"""Batch redaction: an input tree, JSONL or Parquet cut into shards, each shard redacted,
written and audited as one unit, so a run can stop anywhere and resume where it stopped.

    shard.py      a shard (the unit of work) and the settings every shard is read with
    plan.py       what the input is and how it is cut into shards, with content hashes
    formats.py    per input kind: reading a shard's records, writing its redacted output
    layout.py     the output directory: where outputs, audit shards and commit records live
    manifest.py   commit records (one per finished shard), the resume check, the manifest
                  that chains the shards' audit heads, errors.jsonl
    worker.py     ShardProcessor: one engine, loaded once; one shard in, one commit out
    runner.py     BatchRun (plan -> pending shards -> manifest) and the in-process executor
    verify.py     `jpt-redact audit verify OUTPUT`: the manifest, every audit shard, every output

Nothing here knows how shards are scheduled: `runner.run_local` loops over them in this
process, `jpt_redact.integrations.ray` hands them to a Ray Data actor pool; both call the same
ShardProcessor, so their outputs are byte-identical.
"""
from __future__ import annotations

from .plan import BatchSettings, Shard, plan_batch
from .runner import BatchRun, BatchSummary, run_local
from .verify import BatchVerifyResult, verify_batch

__all__ = ["BatchRun", "BatchSettings", "BatchSummary", "BatchVerifyResult", "Shard", "plan_batch", "run_local",
           "verify_batch"]
