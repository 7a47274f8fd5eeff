"""Tamper-evident audit log: one JSON line per document, chained by SHA-256, anchored at the top.

Each record holds what was found and done (types, offsets, scores, actions, keyed value
hashes, a keyed digest of the input) but never a value, any document text or an unkeyed
digest of the input. record_hash is the SHA-256 of the record's canonical JSON (sorted keys, no
spaces, without record_hash/record_mac) and each record carries the previous record's hash, so
editing, dropping, inserting or reordering a record breaks the chain at that line. With a key,
record_mac = HMAC(audit subkey, record_hash) stops someone who edits the log from simply
recomputing every hash.

A chain cannot tell that records were cut off its end, so line 1 is a fixed-width header that
every append rewrites in place: the seq and record_hash of the last record (the anchor) and,
with a key, anchor_mac = HMAC(audit subkey, anchor). A log truncated to fewer records than
its header anchors, an emptied header, or (with a key) a rewritten header fails verification.
The header is rewritten after the record is appended, so a crash in between leaves one record
past the anchor, which verifies (it is chained and MAC'd like the others). Without a key,
whoever can write the file can rewrite the header too: keep the key, or store `last_hash`.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

from ...errors import AuditError, AuditVerificationError
from ...findings import Finding
from ...keys import KeyProvider

log = logging.getLogger(__name__)

GENESIS_HASH = "0" * 64
REQUIRED_FIELDS = (
    "seq", "time", "document_id", "output_sha256", "policy", "model_id",
    "findings", "prev_hash", "record_hash",
)
HEADER_BYTES = 256  # line 1, newline included, padded with spaces: rewritten in place
LOG_FORMAT = 2
_ANCHOR_CONTEXT = b"jpt-redact/audit-anchor/v1\x00"
_warned_keyless: set[str] = set()


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


def header_line(seq: int, record_hash: str, keys: KeyProvider | None) -> bytes:
    """The header for an anchor (seq, record_hash), padded to HEADER_BYTES."""
    body = {"audit_log": "jpt-redact", "format": LOG_FORMAT, "seq": seq, "record_hash": record_hash,
            "anchor_mac": anchor_mac(seq, record_hash, keys) if keys is not None else None}
    text = canonical_json(body)
    return (text + " " * (HEADER_BYTES - 1 - len(text)) + "\n").encode("ascii")


def anchor_mac(seq: int, record_hash: str, keys: KeyProvider) -> str:
    return keys.mac_hex(_ANCHOR_CONTEXT + f"{seq}\x00{record_hash}".encode("ascii"))


_HEADER_START = b'{"anchor_mac":'  # canonical JSON sorts keys; no record has this one


def _parse_header(raw: bytes) -> dict | None:
    """The header if `raw` (a log's first line) is one; None if it is a record (a log from
    before headers); ValueError if it starts like a header but is not one (torn, edited)."""
    if not raw.startswith(_HEADER_START):
        return None
    try:
        head = json.loads(raw)
    except ValueError:
        raise ValueError("the header line is not valid JSON (torn or edited)") from None
    if not (isinstance(head, dict) and head.get("audit_log") == "jpt-redact" and isinstance(head.get("seq"), int)
            and isinstance(head.get("record_hash"), str)):
        raise ValueError("the header line is not a jpt-redact audit header")
    return head


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
    a new writer resumes an existing log. A new log starts with the anchor header; a log
    written by an older version (no header) is continued without one.
    """

    def __init__(self, path: str | os.PathLike, keys: KeyProvider | None = None, *, fsync: bool = True) -> None:
        self.path = Path(path)
        self.keys = keys if keys is not None and keys.has_key else None
        self.fsync = fsync
        self._lock = threading.Lock()
        self._fd: int | None = None
        if self.keys is None and str(self.path) not in _warned_keyless:
            _warned_keyless.add(str(self.path))
            log.warning("audit log %s is written without a key: its records carry no MAC, so anyone who can write "
                        "the file can rewrite it undetected (set JPT_REDACT_KEY)", self.path)

    def _open(self) -> int:
        if self._fd is None:
            try:
                if self.path.parent and not self.path.parent.exists():
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                # not O_APPEND: the header is rewritten in place (pwrite ignores offsets under O_APPEND)
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot open audit log: {exc.strerror}") from None
        return self._fd

    def _has_header(self, fd: int, size: int) -> bool:
        first = os.pread(fd, HEADER_BYTES, 0)
        try:
            return _parse_header(first) is not None
        except ValueError as exc:
            raise AuditError(f"{self.path}: {exc}; run `jpt-redact audit verify` and repair the log before "
                             "appending") from None

    def _last_record(self, fd: int) -> tuple[int, str]:
        """(seq, record_hash) of the last record, or (0, GENESIS_HASH) for a log without any."""
        size = os.fstat(fd).st_size
        if size == 0 or (size == HEADER_BYTES and self._has_header(fd, size)):
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
        findings: Iterable[Finding],
        policy: Any,
        model_id: str | None,
        input_hmac: str | None = None,
        output_sha256: str | None = None,
        input_text: str | None = None,
        output_text: str | None = None,
    ) -> dict:
        """Append one record for one document and return it (it holds no text or values).

        input_hmac / output_sha256 are the result's digests (RedactionResult); given the texts
        instead, they are computed here (the input digest only with a key: no key, no digest)."""
        import fcntl

        if output_sha256 is None:
            output_sha256 = _sha256_text(output_text or "")
        if input_hmac is None and input_text is not None and self.keys is not None:
            input_hmac = self.keys.input_digest(input_text.encode("utf-8", "surrogatepass"))
        base = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "document_id": document_id,
            "output_sha256": output_sha256,
            "policy": _policy_fields(policy),
            "model_id": model_id,
            "findings": [finding_record(f) for f in findings],
        }
        if input_hmac is not None:
            base["input_hmac"] = input_hmac
        with self._lock:
            fd = self._open()
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    record = self._append(fd, base)
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            except OSError as exc:
                raise AuditError(f"{self.path}: cannot append audit record: {exc.strerror}") from None
        return record

    def _append(self, fd: int, base: dict) -> dict:
        size = os.fstat(fd).st_size
        if size == 0:  # a new log: the header first, anchoring nothing yet
            self._write_all(fd, header_line(0, GENESIS_HASH, self.keys), 0)
            size = HEADER_BYTES
        headed = self._has_header(fd, size)
        seq, prev = self._last_record(fd)
        record = {**base, "seq": seq + 1, "prev_hash": prev}
        record["record_hash"] = compute_record_hash(record)
        if self.keys is not None:
            record["record_mac"] = self.keys.mac_hex(record["record_hash"])
        self._write_all(fd, (canonical_json(record) + "\n").encode("ascii"), size)
        if self.fsync:
            os.fsync(fd)
        if headed:
            try:
                os.pwrite(fd, header_line(record["seq"], record["record_hash"], self.keys), 0)
                if self.fsync:
                    os.fsync(fd)
            except OSError as exc:  # the record is in and chained; a lagging anchor still verifies
                log.warning("%s: cannot update the audit header (%s)", self.path, exc.strerror)
        return record

    @staticmethod
    def _write_all(fd: int, data: bytes, offset: int) -> None:
        """Write `data` at `offset` or nothing: a short write (disk full) is cut back off."""
        try:
            written = os.pwrite(fd, data, offset)
            if written != len(data):
                raise OSError(28, "No space left on device (short write)")
        except OSError:
            try:
                os.ftruncate(fd, offset)
            except OSError:
                pass
            raise

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
    first_bad_line: int | None = None  # 1-based line number (line 1 is the header)
    reason: str | None = None
    last_hash: str | None = None  # record_hash of the last good record: keep it as an anchor
    anchored: bool = False  # the header's anchor was checked (the end of the log is known)
    authenticated: bool = False  # record MACs (and the header's) were checked with the key

    def to_dict(self) -> dict:
        return {"ok": self.ok, "records": self.records, "first_bad_line": self.first_bad_line,
                "reason": self.reason, "last_hash": self.last_hash, "anchored": self.anchored,
                "authenticated": self.authenticated}


def verify_log(
    path: str | os.PathLike, keys: KeyProvider | None = None, *, expect_last_hash: str | None = None,
    require_anchor: bool = False,
) -> VerifyResult:
    """Check the header and the chain line by line; report the first line that does not verify.

    With a key, every record must carry a valid record_mac and the header a valid anchor_mac.
    The header's anchor catches records cut off the end; a log without a header (emptied, or
    written before headers existed) cannot show that, and fails when require_anchor is set
    (`jpt-redact audit verify` sets it). expect_last_hash checks the end against an anchor
    kept elsewhere.
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
    hashes: list[str] = []
    head: dict | None = None

    def bad(lineno: int | None, reason: str) -> VerifyResult:
        return VerifyResult(False, good, lineno, reason, prev if good else None, head is not None, use_key is not None)

    try:
        head = _parse_header(lines[0]) if lines else None
    except ValueError as exc:
        return bad(1, str(exc))
    first = 1
    if head is not None:
        first = 2
        if len(lines[0]) + 1 != HEADER_BYTES:
            return bad(1, "the header line was resized (edited)")
        if use_key is not None:
            mac = head.get("anchor_mac")
            if not isinstance(mac, str):
                return bad(1, "the header has no anchor_mac but a key was given")
            if not hmac.compare_digest(mac, anchor_mac(head["seq"], head["record_hash"], use_key)):
                return bad(1, "the header's anchor_mac does not verify (wrong key, or the header was rewritten)")
    for lineno, raw in enumerate(lines[first - 1:], start=first):
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
        hashes.append(prev)
    if head is not None:
        anchored = head["seq"]
        if anchored > good:
            return bad(None, f"records cut off the end: the header anchors {anchored} records, {good} are left")
        if anchored and hashes[anchored - 1] != head["record_hash"]:
            return bad(None, f"the header's anchor does not match record {anchored} (records replaced)")
    elif require_anchor:
        why = "empty file" if not data else "no header (written before headers, or the header was removed)"
        return bad(None, f"{why}: whether records were cut off the end cannot be checked "
                   "(pass a saved last hash as the expected anchor)")
    if expect_last_hash is not None and prev != expect_last_hash:
        return VerifyResult(False, good, None, "the last record is not the expected anchor (records cut off the end?)",
                            prev, head is not None, use_key is not None)
    return VerifyResult(True, good, None, None, prev if good else None, head is not None, use_key is not None)


def verify_log_strict(
    path: str | os.PathLike, keys: KeyProvider | None = None, *, expect_last_hash: str | None = None,
    require_anchor: bool = False,
) -> VerifyResult:
    """Like verify_log, but raise AuditVerificationError when the log does not verify."""
    result = verify_log(path, keys, expect_last_hash=expect_last_hash, require_anchor=require_anchor)
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
        if isinstance(rec, dict) and "audit_log" not in rec:  # the header is not a record
            out.append(rec)
    return out
