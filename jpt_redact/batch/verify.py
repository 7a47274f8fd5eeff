"""Verify a batch output directory: the manifest's chain, every audit shard, every output.

What is checked, in order, and reported at the first failure:

1. manifest.json is a complete batch manifest (an interrupted run is not verifiable yet);
2. its shards are 0, 1, 2, ... with nothing missing or moved, each link recomputes, and the
   head recomputes from the settings, the policy, the shard count and the last link; with a
   key the head's MAC verifies (without one, anyone who can write the directory can rebuild
   a consistent manifest, as for a single audit log);
3. per shard: its audit log verifies (exporters/audit: every record_hash, seq, prev_hash,
   and MACs with a key) and ends at the recorded head with the recorded record count, so a
   swapped, truncated or edited audit shard fails; every output file has its recorded SHA-256;
4. no audit shard is there that the manifest does not list.
"""
from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import AuditError
from ..exporters.audit import GENESIS_HASH, verify_log
from ..keys import KeyProvider
from .layout import AUDIT_DIR, Layout
from .manifest import FORMAT, MAC_CONTEXT, link, manifest_head, read_json
from .shard import file_sha256


@dataclass(frozen=True)
class BatchVerifyResult:
    ok: bool
    shards: int  # shards that verified before the first bad one (all of them if ok)
    records: int  # audit records in those shards
    bad_shard: int | None = None
    reason: str | None = None
    head: str | None = None  # the manifest head: keep it as an anchor, like an audit log's last hash

    def to_dict(self) -> dict:
        return {"ok": self.ok, "shards": self.shards, "records": self.records, "bad_shard": self.bad_shard,
                "reason": self.reason, "head": self.head}


def is_batch_output(path: str | os.PathLike) -> bool:
    return Path(path).is_dir() and Layout(path).manifest.is_file()


def verify_batch(path: str | os.PathLike, keys: KeyProvider | None = None, *,
                 expect_head: str | None = None) -> BatchVerifyResult:
    layout = Layout(path)
    doc = read_json(layout.manifest)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise AuditError(f"{layout.manifest}: not a jpt-redact batch manifest (missing or not valid JSON)")
    use_key = keys if keys is not None and keys.has_key else None
    good = records = 0

    def bad(reason: str, shard: int | None = None) -> BatchVerifyResult:
        return BatchVerifyResult(False, good, records, shard, reason, doc.get("head"))

    if doc.get("status") != "complete":
        pending = doc.get("pending") or []
        return bad(f"the batch run is not complete ({len(pending)} of {doc.get('shard_count')} shards pending); "
                   "run it again to finish")
    shards = doc.get("shards")
    if not isinstance(shards, list) or len(shards) != doc.get("shard_count"):
        return bad("the manifest's shard list does not match its shard count (a shard removed or added)")
    prev = GENESIS_HASH
    for k, entry in enumerate(shards):
        if not isinstance(entry, dict) or entry.get("index") != k:
            return bad(f"shard {k} is missing or out of order in the manifest (found {_index(entry)})", k)
        prev = link(prev, {key: v for key, v in entry.items() if key != "link"})
        if entry.get("link") != prev:
            return bad(f"shard {k}: its link does not recompute (the manifest entry was edited)", k)
    try:
        head = manifest_head(doc, prev)
    except KeyError as exc:
        return bad(f"the manifest lacks {exc.args[0]!r}")
    if doc.get("head") != head:
        return bad("the manifest head does not recompute (settings, policy or shard list edited)")
    if use_key is not None:
        mac = doc.get("mac")
        if not isinstance(mac, str):
            return bad("the manifest has no MAC but a key was given")
        if not hmac.compare_digest(mac, use_key.mac_hex(MAC_CONTEXT + head)):
            return bad("the manifest MAC does not verify (wrong key, or the manifest was rebuilt)")
    for k, entry in enumerate(shards):
        why = _check_shard(layout, entry, use_key)
        if why:
            return bad(f"shard {k}: {why}", k)
        good += 1
        records += entry["audit"]["records"]
    listed = {entry["audit"]["path"] for entry in shards}
    extra = sorted(p.relative_to(layout.root).as_posix() for p in (layout.root / AUDIT_DIR).glob("*.jsonl")
                   if p.relative_to(layout.root).as_posix() not in listed)
    if extra:
        return bad(f"audit shard(s) not in the manifest: {', '.join(extra[:3])}")
    if expect_head is not None and head != expect_head:
        return bad("the manifest head is not the expected anchor")
    return BatchVerifyResult(True, good, records, None, None, head)


def _check_shard(layout: Layout, entry: dict, keys: KeyProvider | None) -> str | None:
    audit = entry["audit"]
    log = layout.root / audit["path"]
    if not log.is_file():
        return f"audit shard {audit['path']} is missing"
    result = verify_log(log, keys)
    if not result.ok:
        return f"audit shard {audit['path']}:{result.first_bad_line}: {result.reason}"
    if result.records != audit["records"] or result.last_hash != audit["head"]:
        return (f"audit shard {audit['path']} holds {result.records} records ending at another head than the "
                f"manifest's {audit['records']} (shards swapped, cut short or replaced)")
    for out in entry["outputs"]:
        path = layout.root / out["path"]
        if not path.is_file():
            return f"output {out['path']} is missing"
        if file_sha256(path) != out["sha256"]:
            return f"output {out['path']} does not match its SHA-256 (edited or replaced)"
    return None


def _index(entry: object) -> str:
    return f"index {entry.get('index')!r}" if isinstance(entry, dict) else "no entry"
