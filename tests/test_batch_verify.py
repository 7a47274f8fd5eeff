"""Verifying a batch output (jpt_redact/batch/verify.py, `jpt-redact audit verify OUTPUT`):
it passes on an untouched run and fails, at the right shard, after any shard is removed,
reordered or edited."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jpt_redact.batch import verify_batch
from jpt_redact.batch.manifest import chain, manifest_head
from jpt_redact.errors import AuditError
from jpt_redact.keys import KeyProvider
from test_batch_local import KEY, KEY_ENV, corpus_jsonl, policy, run_batch


@pytest.fixture(scope="module")
def keyed_run(tmp_path_factory) -> Path:
    """One keyed batch output, copied by each test that damages it."""
    base = tmp_path_factory.mktemp("verify")
    run_batch(corpus_jsonl(base / "t.jsonl"), base / "out", pol=policy(keyed=True), keys=KeyProvider.from_text(KEY))
    return base / "out"


@pytest.fixture
def out(keyed_run, tmp_path) -> Path:
    return Path(shutil.copytree(keyed_run, tmp_path / "out"))


KEYS = KeyProvider.from_text(KEY)


def _manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())


def _save(out: Path, doc: dict) -> None:
    (out / "manifest.json").write_text(json.dumps(doc))


def _swap(a: Path, b: Path) -> None:
    tmp = a.with_name("swap")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)


def _edit_byte(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert old in data
    path.write_bytes(data.replace(old, new, 1))


def _drop_manifest_entry(out: Path) -> None:
    doc = _manifest(out)
    del doc["shards"][2]
    _save(out, doc)


def _reorder_manifest(out: Path) -> None:
    doc = _manifest(out)
    doc["shards"][1], doc["shards"][2] = doc["shards"][2], doc["shards"][1]
    _save(out, doc)


def _edit_manifest_entry(out: Path) -> None:
    doc = _manifest(out)
    doc["shards"][3]["written"] += 1
    _save(out, doc)


def _hide_an_error(out: Path) -> None:
    doc = _manifest(out)
    doc["shards"][2]["errors"] = []
    _save(out, doc)


def _rebuild_manifest_without_key(out: Path) -> None:
    """Edit a shard entry and recompute every link and the head: consistent, but no valid MAC."""
    doc = _manifest(out)
    doc["shards"][3]["written"] += 1
    entries = [{k: v for k, v in e.items() if k != "link"} for e in doc["shards"]]
    links = chain(entries)
    doc["shards"] = [{**e, "link": lk} for e, lk in zip(entries, links)]
    doc["head"] = manifest_head(doc, links[-1])
    _save(out, doc)


DAMAGE = {
    "audit shard removed": (lambda o: (o / "audit" / "00002.jsonl").unlink(), 2, "audit shard audit/00002.jsonl is missing"),
    "output removed": (lambda o: (o / "t.part-00004.jsonl").unlink(), 4, "output t.part-00004.jsonl is missing"),
    "manifest entry removed": (_drop_manifest_entry, None, "does not match its shard count"),
    "audit shards swapped": (lambda o: _swap(o / "audit" / "00001.jsonl", o / "audit" / "00003.jsonl"), 1,
                             "another head"),
    "manifest entries swapped": (_reorder_manifest, 1, "out of order"),
    "audit record edited": (lambda o: _edit_byte(o / "audit" / "00003.jsonl", b'"label":"CITY"', b'"label":"CITZ"'),
                            3, "record_hash does not match"),
    "audit record cut off": (lambda o: (o / "audit" / "00003.jsonl").write_text(
        "".join((o / "audit" / "00003.jsonl").read_text().splitlines(keepends=True)[:-1])), 3, "records cut off the end"),
    "output edited": (lambda o: _edit_byte(o / "t.part-00000.jsonl", b"<PERSON>", b"Alice Smith"), 0,
                      "does not match its SHA-256"),
    "manifest entry edited": (_edit_manifest_entry, 3, "link does not recompute"),
    "an error hidden": (_hide_an_error, 2, "link does not recompute"),
    "settings edited": (lambda o: _save(o, {**_manifest(o), "settings": {**_manifest(o)["settings"], "column": "body"}}),
                        None, "head does not recompute"),
    "manifest rebuilt without the key": (_rebuild_manifest_without_key, None, "MAC does not verify"),
    "extra audit shard": (lambda o: shutil.copy(o / "audit" / "00000.jsonl", o / "audit" / "00099.jsonl"), None,
                          "not in the manifest: audit/00099.jsonl"),
    "run not finished": (lambda o: _save(o, {**_manifest(o), "status": "incomplete", "pending": [5]}), None,
                         "not complete"),
}


def test_an_untouched_run_verifies_with_and_without_the_key(out):
    with_key = verify_batch(out, KEYS)
    assert with_key.ok and (with_key.shards, with_key.records) == (6, 23)
    assert verify_batch(out).ok
    assert verify_batch(out, KEYS, expect_head=with_key.head).ok
    assert not verify_batch(out, KEYS, expect_head="0" * 64).ok


def test_another_key_fails(out):
    result = verify_batch(out, KeyProvider.from_text("hex:" + bytes(range(0x40, 0x60)).hex()))
    assert not result.ok and "MAC does not verify" in result.reason


@pytest.mark.parametrize("name", list(DAMAGE))
def test_any_damage_fails_at_its_shard(out, name):
    damage, shard, reason = DAMAGE[name]
    damage(out)
    result = verify_batch(out, KEYS)
    assert not result.ok
    assert reason in result.reason and result.bad_shard == shard


def test_a_rebuilt_manifest_passes_without_the_key_only(out):
    _rebuild_manifest_without_key(out)
    assert verify_batch(out).ok  # the documented limit of an unkeyed chain
    assert not verify_batch(out, KEYS).ok


def test_not_a_batch_directory(tmp_path):
    with pytest.raises(AuditError, match="not a jpt-redact batch manifest"):
        verify_batch(tmp_path)


# -- the command ------------------------------------------------------------------------------
def _verify(args, monkeypatch, key: str | None = KEY):
    from jpt_redact.cli.main import cli

    if key:
        monkeypatch.setenv(KEY_ENV, key)
    return CliRunner().invoke(cli, ["audit", "verify", *map(str, args), "--key-env", KEY_ENV])


def test_audit_verify_accepts_the_directory(out, monkeypatch):
    result = _verify([out], monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 6 shards, 23 records, chains and MACs and outputs verified; head ")
    as_json = json.loads(_verify([out, "--json"], monkeypatch).output)
    assert as_json["ok"] and as_json["shards"] == 6


def test_audit_verify_fails_on_a_damaged_directory(out, monkeypatch):
    (out / "audit" / "00002.jsonl").unlink()
    result = _verify([out], monkeypatch)
    assert result.exit_code == 8
    assert "shard 2: audit shard audit/00002.jsonl is missing (2 shards verified before it)" in result.output


def test_audit_verify_still_takes_one_log(out, monkeypatch):
    result = _verify([out / "audit" / "00001.jsonl"], monkeypatch)
    assert result.exit_code == 0 and result.output.startswith("OK: 4 records")
