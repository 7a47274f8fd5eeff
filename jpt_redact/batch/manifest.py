"""Commit records, the resume check, and the manifest that chains the shards together.

A worker that finishes a shard writes its commit record last (`shards/NNNNN.json`): input
hash (keyed with a key, `input_fields`), policy, key id, outputs with their SHA-256, the audit shard's record count and head
(last record_hash), and the records that were not written (ids and error types). A shard is
done when its record is there and still matches: same input hash, same policy, same key, every
output and the audit shard unchanged. Anything else is redone, whole.

The manifest lists every commit in shard order and chains them: link_k = SHA-256 of the
canonical JSON of commit k (less its time and model id) with link_(k-1); `head` hashes the
settings, the policy, the shard count and the last link; with a key, `mac` = HMAC(audit
subkey, head). Removing, reordering or editing a shard, an audit shard or an output therefore
breaks the chain, a head, or a hash (verify.py), as the audit log's own chain does per record.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from ..errors import AuditError, InputError
from ..exporters.audit import GENESIS_HASH, canonical_json, verify_log
from ..keys import KeyProvider
from .layout import Layout, write_bytes_atomic
from .plan import BatchPlan
from .shard import Shard, file_sha256

FORMAT = "jpt-redact-batch/1"
MAC_CONTEXT = "jpt-redact/batch-manifest:"
# commit fields that say when and with what a shard ran, not what it holds: left out of the chain
UNCHAINED = ("time", "model_id", "worker_peak_rss_mb")


def policy_fields(policy: Any) -> dict:
    return {"name": policy.name, "version": policy.version, "content_hash": policy.content_hash}


def input_fields(shard: Shard, keys: KeyProvider | None) -> dict:
    """How a commit record names its shard's input. With a key: `input_hmac`, keyed with the
    input subkey. The unkeyed digest is a template attack on a small shard (issue 14 item 2:
    fill the redacted output with every candidate value, hash, compare; 10^4 guesses recover
    an SSN), so it is written only when there is no key to do better, which the
    "without a key" warning and docs/security.md say."""
    if keys is not None and keys.has_key:
        return {"input_hmac": keys.input_digest(b"jpt-redact/batch-shard:" + shard.input_sha256.encode("ascii"))}
    return {"input_sha256": shard.input_sha256}


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_json(path: Path, obj: Any) -> None:
    write_bytes_atomic(path, (json.dumps(obj, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))


def read_json(path: Path) -> Any:
    """The parsed file, or None when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# -- resume ---------------------------------------------------------------------------------
def committed(layout: Layout, shard: Shard, policy_hash: str, key_id: str | None,
              keys: KeyProvider | None) -> dict | None:
    """The shard's commit record if the shard is done and nothing it wrote changed, else None."""
    entry = read_json(layout.commit(shard.index))
    if not isinstance(entry, dict):
        return None
    try:
        named = input_fields(shard, keys)
        if (entry["index"] != shard.index or any(entry.get(k) != v for k, v in named.items())
                or {"input_hmac", "input_sha256"} - set(named) & set(entry)
                or entry["policy"]["content_hash"] != policy_hash or entry["key_id"] != key_id):
            return None
        for out in entry["outputs"]:
            path = layout.root / out["path"]
            if not path.is_file() or file_sha256(path) != out["sha256"]:
                return None
        audit = entry["audit"]
        log = layout.root / audit["path"]
        if not log.is_file():
            return None
        result = verify_log(log, keys, expect_last_hash=audit["head"]) if audit["head"] else None
        if (result is not None and (not result.ok or result.records != audit["records"])) or (
                result is None and (audit["records"] or log.stat().st_size)):
            return None
    except (KeyError, TypeError, OSError, AuditError, InputError):
        return None  # anything unreadable or unexpected: a shard to redo, not a crash
    return entry


# -- the chain --------------------------------------------------------------------------------
def link(prev: str, entry: dict) -> str:
    body = {k: v for k, v in entry.items() if k not in UNCHAINED}
    return hashlib.sha256((prev + canonical_json(body)).encode("ascii")).hexdigest()


def chain(entries: Iterable[dict]) -> list[str]:
    links, prev = [], GENESIS_HASH
    for entry in entries:
        prev = link(prev, entry)
        links.append(prev)
    return links


def manifest_head(header: dict, last_link: str) -> str:
    body = {k: header[k] for k in ("format", "settings", "policy", "key_id", "shard_count")}
    return hashlib.sha256(canonical_json({**body, "last_link": last_link}).encode("ascii")).hexdigest()


def header(plan: BatchPlan, policy: Any, key_id: str | None) -> dict:
    return {"format": FORMAT, "settings": plan.settings.to_dict(), "policy": policy_fields(policy),
            "key_id": key_id, "shard_count": len(plan.shards)}


def write_manifest(layout: Layout, plan: BatchPlan, policy: Any, keys: KeyProvider | None,
                   entries: dict[int, dict], *, status: str | None = None) -> dict:
    """Write manifest.json (and errors.jsonl) for what is committed now. Complete: the chain,
    head and MAC; otherwise the pending shard indices, and no head."""
    key_id = keys.key_id if keys is not None and keys.has_key else None
    doc: dict[str, Any] = {**header(plan, policy, key_id), "input": str(plan.input_root), "updated": now()}
    complete = len(entries) == len(plan.shards)
    doc["status"] = status or ("complete" if complete else "incomplete")
    ordered = [entries[i] for i in sorted(entries)]
    if complete:
        links = chain(ordered)
        doc["shards"] = [{**e, "link": lk} for e, lk in zip(ordered, links)]
        doc["head"] = manifest_head(doc, links[-1] if links else GENESIS_HASH)
        if key_id is not None:
            doc["mac"] = keys.mac_hex(MAC_CONTEXT + doc["head"])  # type: ignore[union-attr]
    else:
        doc["shards"] = ordered
        doc["pending"] = [s.index for s in plan.shards if s.index not in entries]
    write_json(layout.manifest, doc)
    write_errors(layout, ordered)
    return doc


def write_errors(layout: Layout, entries: Iterable[dict]) -> int:
    lines = [json.dumps({"shard": e["index"], **err}, ensure_ascii=False) + "\n"
             for e in entries for err in e.get("errors", ())]
    write_bytes_atomic(layout.errors, "".join(lines).encode("utf-8"))
    return len(lines)


def compatible(layout: Layout, plan: BatchPlan) -> str | None:
    """Why OUTPUT holds a run with other settings (so its outputs would not line up), or None."""
    old = read_json(layout.manifest)
    if not isinstance(old, dict):
        return None
    if old.get("format") != FORMAT:
        return "it holds something other than a jpt-redact batch output"
    mine = plan.settings.to_dict()
    diff = [k for k in mine if old.get("settings", {}).get(k) != mine[k]]
    if diff:
        return "it holds a run with other settings (" + ", ".join(
            f"{k} {old.get('settings', {}).get(k)!r} vs {mine[k]!r}" for k in diff) + ")"
    return None
