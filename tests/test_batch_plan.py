"""Shard planning (jpt_redact/batch/plan.py): kinds, shard boundaries, content hashes, refusals."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from jpt_redact.batch.formats import read_records
from jpt_redact.batch.plan import BatchSettings, detect_kind, part_name, plan_batch
from jpt_redact.errors import InputError


def write_jsonl(path: Path, n: int) -> Path:
    path.write_text("".join(json.dumps({"id": f"r{i}", "text": f"text {i}"}) + "\n" for i in range(n)),
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("name, is_dir, kind", [
    ("docs", True, "files"), ("t.jsonl", False, "jsonl"), ("t.NDJSON", False, "jsonl"),
    ("t.parquet", False, "parquet"), ("note.txt", False, "files"),
])
def test_detect_kind(tmp_path, name, is_dir, kind):
    p = tmp_path / name
    p.mkdir() if is_dir else p.write_text("x")
    assert detect_kind(p) == kind


@pytest.mark.parametrize("source, part, expected", [
    ("tickets.jsonl", 0, "tickets.part-00000.jsonl"),
    ("a/b/lake.parquet", 12, "a/b/lake.part-00012.parquet"),
])
def test_part_name(source, part, expected):
    assert part_name(source, part) == expected


@pytest.mark.parametrize("lines, size, shards", [(0, 3, 1), (1, 3, 1), (3, 3, 1), (4, 3, 2), (10, 3, 4), (10, 1, 10)])
def test_jsonl_shard_boundaries_cover_every_line_once(tmp_path, lines, size, shards):
    src = write_jsonl(tmp_path / "t.jsonl", lines)
    plan = plan_batch(src, tmp_path / "out", BatchSettings(shard_size=size))
    assert len(plan.shards) == shards
    ids = [r.id for s in plan.shards for r in read_records(s, plan.input_root, plan.settings).records]
    assert ids == [f"r{i}" for i in range(lines)]
    assert [s.output for s in plan.shards] == [f"t.part-{k:05d}.jsonl" for k in range(shards)]
    assert plan.shards[-1].stop == src.stat().st_size


def test_a_changed_line_changes_only_its_shards_hash(tmp_path):
    src = write_jsonl(tmp_path / "t.jsonl", 9)
    before = [s.input_sha256 for s in plan_batch(src, tmp_path / "out", BatchSettings(shard_size=3)).shards]
    lines = src.read_text().splitlines(keepends=True)
    lines[4] = lines[4].replace("text 4", "text four")
    src.write_text("".join(lines))
    after = [s.input_sha256 for s in plan_batch(src, tmp_path / "out", BatchSettings(shard_size=3)).shards]
    assert [b == a for b, a in zip(before, after)] == [True, False, True]


def test_files_shards_and_their_hash(tmp_path):
    root = tmp_path / "docs"
    (root / "sub").mkdir(parents=True)
    for name in ("a.txt", "b.txt", "sub/c.txt", ".hidden"):
        (root / name).write_text(f"doc {name}")
    plan = plan_batch(root, tmp_path / "out", BatchSettings(shard_size=2))
    assert [s.files for s in plan.shards] == [("a.txt", "b.txt"), ("sub/c.txt",)]
    first = plan.shards[0].input_sha256
    (root / "b.txt").write_text("changed")
    assert plan_batch(root, tmp_path / "out", BatchSettings(shard_size=2)).shards[0].input_sha256 != first


def test_an_output_directory_inside_the_input_is_not_read(tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    (root / "a.txt").write_text("doc")
    (root / "out").mkdir()
    (root / "out" / "old.txt").write_text("an earlier output")
    plan = plan_batch(root, root / "out", BatchSettings())
    assert [s.files for s in plan.shards] == [("a.txt",)]


def test_parquet_shards_are_row_ranges(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    pq.write_table(pa.table({"text": [f"t{i}" for i in range(11)]}), tmp_path / "t.parquet", row_group_size=4)
    plan = plan_batch(tmp_path / "t.parquet", tmp_path / "out", BatchSettings(shard_size=5))
    assert [(s.start, s.stop) for s in plan.shards] == [(0, 5), (5, 10), (10, 11)]
    texts = [r.text for s in plan.shards for r in read_records(s, plan.input_root, plan.settings).records]
    assert texts == [f"t{i}" for i in range(11)]


@pytest.mark.parametrize("setup, message", [
    ("same", "must not be the input"),
    ("reserved", "keeps for itself"),
    ("no_jsonl", "no .jsonl/.ndjson files"),
    ("missing", "no such file"),
    ("parquet_column", "no column 'text'"),
])
def test_refusals(tmp_path, setup, message):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_text("doc")
    out, settings, src = tmp_path / "out", BatchSettings(), root
    if setup == "same":
        out = root
    elif setup == "reserved":
        (root / "manifest.json").write_text("{}")
    elif setup == "no_jsonl":
        settings = BatchSettings(kind="jsonl")
    elif setup == "missing":
        src = tmp_path / "nothing"
    elif setup == "parquet_column":
        pa = pytest.importorskip("pyarrow")
        pq = pytest.importorskip("pyarrow.parquet")
        src = tmp_path / "t.parquet"
        pq.write_table(pa.table({"body": ["x"]}), src)
    with pytest.raises(InputError, match=message):
        plan_batch(src, out, settings)
