import json
import multiprocessing
import threading

import pytest

from jpt_redact.errors import AuditError, AuditVerificationError
from jpt_redact.exporters.audit import (
    GENESIS_HASH,
    AuditWriter,
    canonical_json,
    compute_record_hash,
    verify_log,
    verify_log_strict,
)
from jpt_redact.keys import KeyProvider
from jpt_redact.findings import Finding, Span
from jpt_redact.policy import parse_policy

KEYS = KeyProvider.from_bytes(bytes(range(5, 37)))
POLICY = parse_policy("""
name: audit-test
version: "3"
entities:
  PERSON: {definition: "a person's name for the test"}
""")
SECRET = "Ann Lee"
TEXT = f"Patient {SECRET} called."


def findings(n=2):
    return [Finding(Span(8, 15, "PERSON", 0.91234, "jpt"), "replace", "<PERSON>", KEYS.hmac_hex(SECRET, "PERSON"))
            for _ in range(n)]


def write_log(path, n=5, keys=KEYS):
    """The record lines written (the header, line 1 of the file, is left out)."""
    w = AuditWriter(path, keys, fsync=False)
    for i in range(n):
        w.write(document_id=f"doc-{i}", input_text=TEXT, output_text="Patient <PERSON> called.",
                findings=findings(1 + i % 2), policy=POLICY, model_id="jpt-test")
    w.close()
    return path.read_text().splitlines(keepends=True)[1:]


def header_of(path):
    return path.read_text().splitlines(keepends=True)[0]


def test_records_have_the_documented_fields_and_no_text(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 3)
    recs = [json.loads(l) for l in lines]
    assert [r["seq"] for r in recs] == [1, 2, 3]
    assert recs[0]["prev_hash"] == GENESIS_HASH and recs[1]["prev_hash"] == recs[0]["record_hash"]
    assert set(recs[0]) == {"seq", "time", "document_id", "input_hmac", "output_sha256", "policy", "model_id",
                            "findings", "prev_hash", "record_hash", "record_mac"}
    assert recs[0]["input_hmac"] == KEYS.input_digest(TEXT.encode())  # keyed (issue 14 item 2)
    head = json.loads(header_of(log))
    assert len(header_of(log)) == 256 and head["seq"] == 3 and head["record_hash"] == recs[-1]["record_hash"]
    assert recs[0]["policy"] == {"name": "audit-test", "version": "3", "content_hash": POLICY.content_hash}
    assert recs[0]["findings"][0] == {"label": "PERSON", "start": 8, "end": 15, "score": 0.9123, "recognizer": "jpt",
                                      "action": "replace", "value_hash": KEYS.hmac_hex(SECRET, "PERSON")}
    assert recs[0]["time"].endswith("Z")
    assert all(compute_record_hash(r) == r["record_hash"] for r in recs)
    raw = log.read_text()
    assert SECRET not in raw and "Patient" not in raw and "<PERSON>" not in raw
    assert verify_log(log, KEYS).ok and verify_log(log).ok
    assert verify_log(log).records == 3


def test_writer_resumes_an_existing_chain(tmp_path):
    log = tmp_path / "a" / "audit.jsonl"  # parent directory is created
    write_log(log, 2)
    write_log(log, 2)
    recs = [json.loads(l) for l in log.read_text().splitlines()[1:]]
    assert [r["seq"] for r in recs] == [1, 2, 3, 4]
    assert verify_log_strict(log, KEYS).records == 4


def edit_byte(lines, i):
    rec = json.loads(lines[i])
    rec["findings"][0]["end"] += 1  # a changed offset; hashes left as they were
    return lines[:i] + [canonical_json(rec) + "\n"] + lines[i + 1:]


def rehash_without_key(lines, i):
    """An attacker edits record i and recomputes its hash and every later link (no key)."""
    out, prev = list(lines[:i]), json.loads(lines[i - 1])["record_hash"] if i else GENESIS_HASH
    for j, line in enumerate(lines[i:], start=i):
        rec = json.loads(line)
        if j == i:
            rec["findings"] = rec["findings"][:0]
        rec["prev_hash"] = prev
        rec["record_hash"] = prev = compute_record_hash(rec)
        out.append(canonical_json(rec) + "\n")
    return out


@pytest.mark.parametrize(
    "tamper,bad_line,reason",
    [
        (lambda l: edit_byte(l, 2), 3, "record edited"),
        (lambda l: l[:1] + [l[1].replace('"doc-1"', '"doc-X"')] + l[2:], 2, "record edited"),
        (lambda l: l[:2] + l[3:], 3, "dropped"),  # line 3 dropped: old line 4 is now line 3
        (lambda l: l[1:], 1, "dropped"),  # the first record dropped
        (lambda l: l[:1] + [l[2], l[1]] + l[3:], 2, "reordered"),
        (lambda l: l[:3] + [l[3][:40] + "\n"] + l[4:], 4, "not valid JSON"),  # truncated in the middle
        (lambda l: l[:4] + [l[4][:-1][:50]], 5, "incomplete last line"),
        (lambda l: l[:2] + ["\n"] + l[2:], 3, "not valid JSON"),
        (lambda l: l[:2] + [l[1]] + l[2:], 3, "seq"),  # a duplicated record
    ],
)
def test_tampering_is_detected_at_the_right_line(tmp_path, tamper, bad_line, reason):
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 5)
    log.write_text(header_of(log) + "".join(tamper(lines)))
    bad_line += 1  # line 1 is the header
    for keys in (None, KEYS):
        result = verify_log(log, keys)
        assert not result.ok and result.first_bad_line == bad_line and reason in result.reason
        assert result.records == bad_line - 2
    with pytest.raises(AuditVerificationError, match=f":{bad_line}: "):
        verify_log_strict(log)


def test_a_recomputed_chain_is_caught_only_by_the_mac(tmp_path):
    log = tmp_path / "audit.jsonl"
    records = rehash_without_key(write_log(log, 5), 1)
    last = json.loads(records[-1])
    from jpt_redact.exporters.audit.log import header_line

    # the attacker rebuilds the header too; without the key it cannot make its MAC
    log.write_text(header_line(last["seq"], last["record_hash"], None).decode() + "".join(records))
    assert verify_log(log).ok  # without the key the chain alone cannot tell
    result = verify_log(log, KEYS)
    assert not result.ok and result.first_bad_line == 1 and "anchor_mac" in result.reason
    log.write_text(header_line(last["seq"], last["record_hash"], KEYS).decode() + "".join(records))
    result = verify_log(log, KEYS)  # even with a valid header, the edited record has no valid MAC
    assert not result.ok and result.first_bad_line == 3 and "record_mac" in result.reason
    with pytest.raises(AuditVerificationError):
        verify_log_strict(log, KeyProvider.from_bytes(bytes(range(6, 38))))


def test_unkeyed_logs_fail_a_keyed_check_and_anchors_catch_truncation(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 4, keys=KeyProvider.none())
    head = header_of(log)
    assert "record_mac" not in lines[0]
    assert not verify_log(log, KEYS).ok
    anchor = verify_log(log).last_hash
    # issue 14 item 10: a keyless log truncated from 4 records to 1, or emptied, verified OK
    for kept in (lines[:1], [], lines[:3]):
        log.write_text(head + "".join(kept))
        result = verify_log(log)
        assert not result.ok and "cut off the end" in result.reason, kept
    log.write_text("".join(lines[:3]))  # the header removed too: only a kept anchor tells
    assert verify_log(log).ok and not verify_log(log).anchored
    assert not verify_log(log, require_anchor=True).ok
    result = verify_log(log, expect_last_hash=anchor)
    assert not result.ok and "anchor" in result.reason


def test_with_a_key_the_end_of_the_log_is_authenticated(tmp_path):
    # issue 14 item 10: with a key there was no end-of-log check at all
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 4)
    head = json.loads(header_of(log))
    assert isinstance(head["anchor_mac"], str)
    from jpt_redact.exporters.audit.log import header_line

    second = json.loads(lines[1])
    log.write_text(header_line(2, second["record_hash"], None).decode() + "".join(lines[:2]))  # cut + forged header
    result = verify_log(log, KEYS)
    assert not result.ok and result.first_bad_line == 1 and "anchor_mac" in result.reason
    log.write_text(header_line(4, json.loads(lines[3])["record_hash"], KEYS).decode() + "".join(lines[:2]))
    assert "cut off the end" in verify_log(log, KEYS).reason  # the genuine header, records cut


def test_appending_to_a_torn_log_is_refused(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 2)
    log.write_text(header_of(log) + lines[0] + lines[1][:30])
    with pytest.raises(AuditError, match="incomplete"):
        write_log(log, 1)
    log.write_text(header_of(log)[:100] + "\n" + lines[0])  # a torn header
    with pytest.raises(AuditError, match="header"):
        write_log(log, 1)


def test_a_log_from_before_headers_is_continued_and_verifies_unanchored(tmp_path):
    log = tmp_path / "audit.jsonl"
    lines = write_log(log, 2)
    log.write_text("".join(lines))  # what an older version wrote
    write_log(log, 1)
    result = verify_log(log, KEYS)
    assert result.ok and result.records == 3 and not result.anchored


def test_empty_and_missing_logs(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert verify_log(empty).ok and verify_log(empty).records == 0  # nothing written yet (a batch shard)
    assert not verify_log(empty, require_anchor=True).ok  # ... or emptied: `audit verify` says so
    with pytest.raises(AuditError):
        verify_log(tmp_path / "missing.jsonl")


def test_a_short_write_leaves_the_log_as_it_was(tmp_path, monkeypatch):
    # fault injection: ENOSPC in the middle of an append
    import errno
    import os

    log = tmp_path / "audit.jsonl"
    write_log(log, 2)
    before = log.read_bytes()
    real = os.pwrite

    def full(fd, data, offset):
        if data.startswith(b"{") and not data.startswith(b'{"anchor_mac"'):
            real(fd, data[:17], offset)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", full)
    with pytest.raises(AuditError, match="No space left"):
        write_log(log, 1)
    monkeypatch.setattr(os, "pwrite", real)
    assert log.read_bytes() == before and verify_log(log, KEYS, require_anchor=True).ok
    write_log(log, 1)  # the re-run continues the same chain
    assert verify_log(log, KEYS, require_anchor=True).records == 3


def test_concurrent_writes_from_threads_keep_the_chain_valid(tmp_path):
    log = tmp_path / "audit.jsonl"
    writers = [AuditWriter(log, KEYS, fsync=False) for _ in range(2)]  # two writers, one file

    def work(k):
        for i in range(25):
            writers[k % 2].write(document_id=f"t{k}-{i}", input_text="x", output_text="y",
                                 findings=findings(1), policy=POLICY, model_id=None)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify_log(log, KEYS)
    assert result.ok and result.records == 100


def _process_writer(path, n):
    w = AuditWriter(path, KEYS, fsync=False)
    for i in range(n):
        w.write(document_id=f"p{i}", input_text="x", output_text="y", findings=[], policy=None, model_id=None)
    w.close()


def test_concurrent_writes_from_processes_keep_the_chain_valid(tmp_path):
    log = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_process_writer, args=(str(log), 20)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    result = verify_log(log, KEYS)
    assert result.ok and result.records == 60
