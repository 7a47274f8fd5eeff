"""Tamper-evident audit log: one JSON line per document, chained by SHA-256.

Each record holds what was found and done (types, offsets, scores, actions, keyed value
hashes) but never a value or any document text. record_hash is the SHA-256 of the record's
canonical JSON (sorted keys, no spaces, without record_hash/record_mac) and each record
carries the previous record's hash, so editing, dropping, inserting or reordering a record
breaks the chain at that line. With a key, record_mac = HMAC(audit subkey, record_hash)
stops someone who edits the log from simply recomputing every hash.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from ...errors import AuditError, AuditVerificationError
from ...findings import Finding
from ...keys import KeyProvider

GENESIS_HASH = "0" * 64
REQUIRED_FIELDS = (
    "seq", "time", "document_id", "input_sha256", "output_sha256", "policy", "model_id",
    "findings", "prev_hash", "record_hash",
)


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def compute_record_hash(record: dict) -> str:
    body = {k: v for k, v in record.items() if k not in ("record_hash", "record_mac")}
    return hashlib.sha256(canonical_json(body).encode("ascii")).hexdigest()


def _sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def _policy_fields(policy: Any) -> dict:
    if policy is None:
        return {"name": None, "version": None, "content_hash": None}
    if isinstance(policy, dict):
        return {k: policy.get(k) for k in ("name", "version", "content_hash")}
    return {"name": policy.name, "version": policy.version, "content_hash": policy.content_hash}


def finding_record(f: Finding) -> dict:
    s = f.span
    return {
        "label": s.label, "start": s.start, "end": s.end, "score": round(float(s.score), 4),
        "recognizer": s.recognizer, "action": f.action, "value_hash": f.value_hash,
    }


class AuditWriter:
    """Appends chained records to a JSONL file; safe across threads and processes.

    Every append takes a thread lock and an exclusive flock, then reads the current last
    record of the file, so several writers (threads or processes) extend one valid chain and
    a new writer resumes an existing log.
    """

    def __init__(self, path: str | os.PathLike, keys: KeyProvider | None = None, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.keys = keys if keys is not None and keys.has_key else None
        self.fsync = fsync
        self._lock = threading.Lock()
        self._fd: int | None = None

    def _open(self) -> int:
        if self._fd is None:
            try:
                if self.path.parent and not self.path.parent.exists():
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot open audit log: {exc.strerror}") from None
        return self._fd

    def _last_record(self, fd: int) -> tuple[int, str]:
        """(seq, record_hash) of the last record, or (0, GENESIS_HASH) for an empty log."""
        size = os.fstat(fd).st_size
        if size == 0:
            return 0, GENESIS_HASH
        if os.pread(fd, 1, size - 1) != b"\n":
            raise AuditError(f"{self.path}: the last record is incomplete (crash during a write?); "
                             "run `verify` and repair the log before appending")
        chunk, pos = b"", size - 1
        while pos > 0 and b"\n" not in chunk:
            step = min(65536, pos)
            pos -= step
            chunk = os.pread(fd, step, pos) + chunk
        line = chunk.rsplit(b"\n", 1)[-1]
        try:
            last = json.loads(line)
            return int(last["seq"]), str(last["record_hash"])
        except (ValueError, KeyError, TypeError):
            raise AuditError(f"{self.path}: the last line is not an audit record; cannot continue the chain") from None

    def write(
        self,
        *,
        document_id: str | None,
        input_text: str,
        output_text: str,
        findings: Iterable[Finding],
        policy: Any,
        model_id: str | None,
    ) -> dict:
        """Append one record for one document and return it (it holds no text or values)."""
        import fcntl

        base = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "document_id": document_id,
            "input_sha256": _sha256_text(input_text),
            "output_sha256": _sha256_text(output_text),
            "policy": _policy_fields(policy),
            "model_id": model_id,
            "findings": [finding_record(f) for f in findings],
        }
        with self._lock:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    seq, prev = self._last_record(fd)
                    record = {**base, "seq": seq + 1, "prev_hash": prev}
                    record["record_hash"] = compute_record_hash(record)
                    if self.keys is not None:
                        record["record_mac"] = self.keys.mac_hex(record["record_hash"])
                    os.write(fd, (canonical_json(record) + "\n").encode("ascii"))
                    if self.fsync:
                        os.fsync(fd)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot append audit record: {exc.strerror}") from None
        return record

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> "AuditWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # best effort; close() is the real API
        try:
            if self._fd is not None:
                os.close(self._fd)
        except Exception:
            pass


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int  # records that verified before the first bad line (all of them if ok)
    first_bad_line: int | None = None  # 1-based line number
    reason: str | None = None
    last_hash: str | None = None  # record_hash of the last good record: keep it as an anchor

    def to_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "first_bad_line": self.first_bad_line,
                "reason": self.reason, "last_hash": self.last_hash}


def verify_log(
    path: str | os.PathLike, keys: KeyProvider | None = None, *, expect_last_hash: str | None = None
) -> VerifyResult:
    """Check the chain line by line; report the first line that does not verify.

    With a key, every record must also carry a valid record_mac. The chain alone cannot tell
    that records were cut off the end; pass a previously saved last_hash as
    expect_last_hash to check that too.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise AuditError(f"{path}: cannot read audit log: {exc.strerror}") from None
    use_key = keys if keys is not None and keys.has_key else None
    lines = data.split(b"\n")
    torn_tail = lines[-1] != b""
    if not torn_tail:
        lines.pop()
    prev, good = GENESIS_HASH, 0

    def bad(lineno: int, reason: str) -> VerifyResult:
        return VerifyResult(False, good, lineno, reason, prev if good else None)

    for lineno, raw in enumerate(lines, start=1):
        if torn_tail and lineno == len(lines):
            return bad(lineno, "incomplete last line (no newline): truncated or torn write")
        try:
            rec = json.loads(raw)
        except ValueError:
            return bad(lineno, "not valid JSON (truncated or edited)")
        if not isinstance(rec, dict):
            return bad(lineno, "not a JSON object")
        missing = [k for k in REQUIRED_FIELDS if k not in rec]
        if missing:
            return bad(lineno, f"missing field(s): {', '.join(missing)}")
        if compute_record_hash(rec) != rec["record_hash"]:
            return bad(lineno, "record_hash does not match the record's content (record edited)")
        if rec["seq"] != good + 1:
            return bad(lineno, f"seq {rec['seq']!r} where {good + 1} was expected (record dropped, inserted or reordered)")
        if rec["prev_hash"] != prev:
            return bad(lineno, "prev_hash does not match the previous record (record dropped, inserted or reordered)")
        if use_key is not None:
            mac = rec.get("record_mac")
            if not isinstance(mac, str):
                return bad(lineno, "record_mac is missing but a key was given")
            if not hmac.compare_digest(mac, use_key.mac_hex(rec["record_hash"])):
                return bad(lineno, "record_mac does not verify (wrong key, or the chain was recomputed)")
        prev, good = rec["record_hash"], good + 1
    if expect_last_hash is not None and prev != expect_last_hash:
        return VerifyResult(False, good, None, "the last record is not the expected anchor (records cut off the end?)", prev)
    return VerifyResult(True, good, None, None, prev if good else None)


def verify_log_strict(
    path: str | os.PathLike, keys: KeyProvider | None = None, *, expect_last_hash: str | None = None
) -> VerifyResult:
    """Like verify_log, but raise AuditVerificationError when the log does not verify."""
    result = verify_log(path, keys, expect_last_hash=expect_last_hash)
    if not result.ok:
        where = f"{path}:{result.first_bad_line}" if result.first_bad_line else str(path)
        raise AuditVerificationError(f"{where}: {result.reason}")
    return result


def read_records(path: str | os.PathLike) -> Sequence[dict]:
    """All parseable records of a log (unparseable lines are skipped; use verify_log to check)."""
    try:
        data = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise AuditError(f"{path}: cannot read audit log: {exc.strerror}") from None
    out = []
    for line in data.splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out
