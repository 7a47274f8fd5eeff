"""`--engine local` batch runs (jpt_redact/batch): outputs per input kind, fail-closed records,
errors.jsonl, resume, and what a re-run refuses. The engine is conftest's FakeEngine (regex
word tagging): fast and deterministic, so exact outputs can be asserted.

`corpus_*`, `PLANTED` and `run_batch` are shared with test_batch_verify, test_batch_cli and
test_ray_batch.
"""
from __future__ import annotations

import functools
import json
import os
from pathlib import Path

import pytest

from conftest import TEST_POLICY_YAML, FailingEngine, FakeEngine
from jpt_redact.batch import BatchRun, BatchSettings, plan_batch, run_local, verify_batch
from jpt_redact.errors import InputError
from jpt_redact.policy import parse_policy
from jpt_redact.exporters.audit import read_records

POISON = "POISON"  # FailingEngine(marker=POISON) raises, quoting the text, on records holding it
# every value the fake model or the policy's email pattern must remove, wherever it was
PLANTED = ("Alice Smith", "Bob Jones", "Carol", "Springfield", "Paris", "@example.org")
KEY_ENV = "JPT_REDACT_BATCH_TEST_KEY"  # not JPT_REDACT_KEY, which conftest clears around every test
KEY = "hex:" + bytes(range(0xcd, 0xed)).hex()
KEYED_POLICY_YAML = TEST_POLICY_YAML + f"audit:\n  hash_key_env: {KEY_ENV}\n"

poison_engine = functools.partial(FailingEngine, marker=POISON)


def policy(keyed: bool = False):
    return parse_policy(KEYED_POLICY_YAML if keyed else TEST_POLICY_YAML)


def _text(i: int) -> str:
    name = ("Alice Smith", "Bob Jones", "Carol")[i % 3]
    city = ("Springfield", "Paris")[i % 2]
    return f"Ticket {i}: {name} in {city}, write to user{i}@example.org. Café ✓ {i * 7}"


def corpus_jsonl(path: Path, n: int = 23) -> Path:
    """n records with planted values; plus a malformed line, a record without text, and a
    record that makes the engine raise (it quotes the text in its message)."""
    lines = [json.dumps({"id": f"t{i}", "text": _text(i), "extra": {"n": i}}, ensure_ascii=False) for i in range(n)]
    lines.insert(4, "{not json")
    lines.insert(9, json.dumps({"id": "no-text", "body": "Alice Smith"}))
    lines.insert(13, json.dumps({"id": "poisoned", "text": f"{POISON}: Bob Jones, bob@example.org"}))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def corpus_tree(root: Path, n: int = 7) -> Path:
    for i in range(n):
        p = root / ("sub" if i % 2 else "") / f"doc{i}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(_text(i), encoding="utf-8")
    (root / "sub" / "poisoned.txt").write_text(f"{POISON} Carol in Paris", encoding="utf-8")
    (root / "image.bin").write_bytes(b"\x00\x01\x02 Alice Smith")
    return root


def corpus_parquet(path: Path, n: int = 12) -> Path:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    texts = [_text(i) for i in range(n)]
    texts[5] = None  # a null text: an unusable record
    texts[7] = f"{POISON} Alice Smith"
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(n)], "text": texts, "n": list(range(n))}), path,
                   row_group_size=4)
    return path


def run_batch(src: Path, out: Path, *, shard_size: int = 5, engine=None, pol=None, **kwargs):
    plan = plan_batch(src, out, BatchSettings(shard_size=shard_size))
    engine = engine or poison_engine()
    with BatchRun(plan, pol or policy(), **kwargs) as run:
        run_local(run, engine_factory=lambda: engine)
    return run.summary


def all_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def outputs(root: Path) -> dict[str, bytes]:
    """The redacted data files only (not the manifest, audit shards, commits or errors)."""
    skip = ("manifest.json", "errors.jsonl", "audit/", "shards/", ".jpt-batch.lock")
    return {k: v for k, v in all_bytes(root).items() if not k.startswith(skip)}


def assert_no_planted_values(root: Path) -> None:
    for rel, data in all_bytes(root).items():
        for value in PLANTED + (POISON,):
            assert value.encode() not in data, f"{value!r} in {rel}"


# -- jsonl ------------------------------------------------------------------------------------
def test_jsonl_run_outputs_errors_and_audit(tmp_path):
    src = corpus_jsonl(tmp_path / "in" / "tickets.jsonl")
    out = tmp_path / "out"
    s = run_batch(src, out)
    assert (s.shards, s.completed, s.records, s.written, s.errors, s.complete) == (6, 6, 26, 23, 3, True)
    assert sorted(outputs(out)) == [f"tickets.part-{k:05d}.jsonl" for k in range(6)]
    rows = [json.loads(line) for k in range(6) for line in (out / f"tickets.part-{k:05d}.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [f"t{i}" for i in range(23)]  # order kept, failures left out
    assert rows[0] == {"id": "t0", "text": "Ticket 0: <PERSON> in <CITY>, write to <EMAIL>. Café ✓ 0", "extra": {"n": 0}}
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert errors == [
        {"shard": 0, "id": "tickets.jsonl:5", "error": "DataError", "stage": "read"},
        {"shard": 1, "id": "no-text", "error": "InputError", "stage": "read"},
        {"shard": 2, "id": "poisoned", "error": "DetectionError", "stage": "model", "cause": "RuntimeError"},
    ]
    assert_no_planted_values(out)  # in no output, audit shard, commit, manifest or errors.jsonl
    assert verify_batch(out).ok
    audit = read_records(out / "audit" / "00002.jsonl")
    assert [r["document_id"] for r in audit] == ["t8", "t9", "t10", "t11"]  # the poisoned one: no record


def test_redact_all_writes_the_placeholder_and_lists_it(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl", n=3)
    out = tmp_path / "out"
    s = run_batch(src, out, shard_size=10, on_error="redact_all")
    rows = {json.loads(x)["id"]: json.loads(x)["text"] for x in (out / "t.part-00000.jsonl").read_text().splitlines()}
    assert rows["poisoned"] == "[REDACTED: detection failed]"
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert {"shard": 0, "id": "poisoned", "error": "DetectionError", "stage": "detection", "output": "placeholder"} in errors
    assert s.written == 4


# -- files and parquet -----------------------------------------------------------------------
def test_tree_run_mirrors_the_tree(tmp_path):
    src = corpus_tree(tmp_path / "docs")
    out = tmp_path / "out"
    s = run_batch(src, out, shard_size=3)
    assert sorted(outputs(out)) == ["doc0.txt", "doc2.txt", "doc4.txt", "doc6.txt", "sub/doc1.txt", "sub/doc3.txt",
                                    "sub/doc5.txt"]
    assert (out / "sub" / "doc1.txt").read_text() == "Ticket 1: <PERSON> in <CITY>, write to <EMAIL>. Café ✓ 7"
    assert [(e["id"], e["error"]) for e in map(json.loads, (out / "errors.jsonl").read_text().splitlines())] == [
        ("image.bin", "InputError"), ("sub/poisoned.txt", "DetectionError")]
    assert (s.records, s.written) == (9, 7)
    assert_no_planted_values(out)
    assert oct((out / "doc0.txt").stat().st_mode & 0o777) == "0o600"  # like `redact --out-dir`


def test_parquet_run_keeps_schema_and_columns(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    src = corpus_parquet(tmp_path / "lake.parquet")
    out = tmp_path / "out"
    run_batch(src, out, shard_size=5)
    tables = [pq.read_table(out / f"lake.part-{k:05d}.parquet") for k in range(3)]
    assert all(t.schema == pq.read_schema(src) for t in tables)
    ids = [i for t in tables for i in t.column("id").to_pylist()]
    assert ids == [f"p{i}" for i in range(12) if i not in (5, 7)]
    assert tables[0].column("n").to_pylist() == [0, 1, 2, 3, 4]
    assert_no_planted_values(out)
    assert verify_batch(out).ok


# -- resume -----------------------------------------------------------------------------------
def test_resume_redoes_only_the_shard_whose_output_was_deleted(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out)
    before = outputs(out)
    (out / "t.part-00003.jsonl").unlink()
    engine = FakeEngine()
    s = run_batch(src, out, engine=engine)
    assert (s.skipped, s.completed) == (5, 1)
    assert engine.calls == [5]  # the five usable records of shard 3, in one call
    assert outputs(out) == before and verify_batch(out).ok


@pytest.mark.parametrize("damage", ["edit_output", "delete_audit", "delete_commit", "edit_input"])
def test_resume_redoes_a_damaged_or_changed_shard(tmp_path, damage):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out)
    before = outputs(out)
    if damage == "edit_output":
        p = out / "t.part-00001.jsonl"
        p.write_bytes(p.read_bytes().replace(b"<PERSON>", b"<NOBODY>", 1))
    elif damage == "delete_audit":
        (out / "audit" / "00001.jsonl").unlink()
    elif damage == "delete_commit":
        (out / "shards" / "00001.json").unlink()
    else:
        src.write_text(src.read_text(encoding="utf-8").replace("Ticket 6:", "Ticket six:"), encoding="utf-8")
    s = run_batch(src, out, engine=FakeEngine())
    assert (s.skipped, s.completed) == (5, 1)
    after = outputs(out)
    assert after.keys() == before.keys()
    changed = [k for k in after if after[k] != before[k]]
    assert changed == (["t.part-00001.jsonl"] if damage == "edit_input" else [])
    assert verify_batch(out).ok


def test_a_second_run_with_nothing_to_do_loads_no_engine(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out)
    plan = plan_batch(src, out, BatchSettings(shard_size=5))
    with BatchRun(plan, policy()) as run:
        run_local(run, engine_factory=lambda: pytest.fail("the engine was loaded"))
    assert (run.summary.skipped, run.summary.completed, run.summary.complete) == (6, 0, True)


def test_retry_errors_redoes_shards_with_errors(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out)
    s = run_batch(src, out, engine=FakeEngine(), retry_errors=True)  # the poisoned record now passes
    assert (s.skipped, s.completed, s.errors) == (3, 3, 2)
    assert "poisoned" in (out / "t.part-00002.jsonl").read_text()


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out)
    stale = [out / ".t.part-00000.jsonl.a1b2c3d4.tmp", out / "audit" / ".00001.jsonl.zz_99xyz.tmp"]
    for p in stale:
        p.write_text("half a file")
    keep = out / ".notes.tmp"  # not our pattern: not ours to delete
    keep.write_text("x")
    run_batch(src, out)
    assert not any(p.exists() for p in stale) and keep.exists()


def test_a_run_with_other_settings_is_refused(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    out = tmp_path / "out"
    run_batch(src, out, shard_size=5)
    with pytest.raises(InputError, match="shard_size 5 vs 4"):
        run_batch(src, out, shard_size=4)


def test_a_second_run_into_the_same_directory_at_once_is_refused(tmp_path):
    src = corpus_jsonl(tmp_path / "t.jsonl")
    plan = plan_batch(src, tmp_path / "out", BatchSettings(shard_size=5))
    with BatchRun(plan, policy()):
        with pytest.raises(InputError, match="another batch run"):
            with BatchRun(plan, policy()):
                pass


def test_a_worker_with_another_key_commits_nothing(tmp_path, monkeypatch):
    from jpt_redact.batch.worker import ShardProcessor
    from jpt_redact.keys import KeyProvider

    src = corpus_jsonl(tmp_path / "t.jsonl", n=3)
    out = tmp_path / "out"
    plan = plan_batch(src, out, BatchSettings(shard_size=10))
    with BatchRun(plan, policy(keyed=True), keys=KeyProvider.from_text(KEY)) as run:
        processor = ShardProcessor(run.spec(FakeEngine), keys=KeyProvider.from_text("hex:" + bytes(range(0x20, 0x40)).hex()))
        run.record(processor.process(plan.shards[0]))
    assert run.summary.failed[0]["error"] == "OperatorError" and "is not the driver's" in run.summary.failed[0]["message"]
    assert not (out / "shards" / "00000.json").exists() and not (out / "t.part-00000.jsonl").exists()
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"


def test_a_shard_that_fails_as_a_whole_commits_nothing_and_reports_only_its_error_type(tmp_path):
    def broken_engine():
        raise RuntimeError("cannot load for Alice Smith")  # a careless message quoting text

    src = corpus_jsonl(tmp_path / "t.jsonl", n=3)
    out = tmp_path / "out"
    plan = plan_batch(src, out, BatchSettings(shard_size=10))
    with BatchRun(plan, policy()) as run:
        run_local(run, engine_factory=broken_engine)
    s = run.summary
    assert s.failed == [{"index": 0, "error": "RuntimeError", "message": "RuntimeError", "exit_code": 1}]
    assert not s.complete and "Alice" not in json.dumps(s.to_dict())
    assert sorted(p.name for p in out.iterdir()) == [".jpt-batch.lock", "audit", "errors.jsonl", "manifest.json"]
    assert not os.listdir(out / "audit")
    assert json.loads((out / "manifest.json").read_text())["pending"] == [0]


@pytest.mark.parametrize("line, expected", [
    ('\ufeff{"id": "a", "text": "Carol"}', ("a", "<PERSON>")),  # a BOM on the first line
    ('{"id": "a", "text": "Carol"}\r', ("a", "<PERSON>")),  # CRLF line ends
    ('{"id": 7, "text": "Carol"}', (7, "<PERSON>")),
    ('{"id": true, "text": "Carol"}', (True, "<PERSON>")),  # kept as it was (its audit id: t.jsonl:1)
    ('{"id": "a", "text": "\\ud800 Carol"}', ("a", "InputError")),  # a lone surrogate
    ('{"id": "a", "text": null}', ("a", "InputError")),
    ('["a", "Carol"]', ("t.jsonl:1", "DataError")),
])
def test_jsonl_lines(tmp_path, line, expected):
    src = tmp_path / "t.jsonl"
    src.write_bytes((line + "\n\n").encode("utf-8"))
    out = tmp_path / "out"
    run_batch(src, out, engine=FakeEngine())
    rows = [json.loads(x) for x in (out / "t.part-00000.jsonl").read_text(encoding="utf-8").splitlines()]
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    got = [(r["id"], r["text"]) for r in rows] + [(e["id"], e["error"]) for e in errors]
    assert got == [expected]
