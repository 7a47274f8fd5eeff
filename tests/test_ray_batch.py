"""Batch redaction on Ray Data (jpt_redact/integrations/ray.py) against a local Ray runtime
started here (`ray.init(num_cpus=2)`, shared by every test of the module: start-up is the cost).

Workers are separate processes: they import conftest's fake engines through PYTHONPATH, and
read the audit key from KEY_ENV, both set before Ray starts (workers inherit the environment).
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from jpt_redact.batch import BatchRun, BatchSettings, plan_batch, verify_batch
from jpt_redact.integrations.ray import pool_size
from jpt_redact.keys import KeyProvider
from test_batch_local import (KEY, KEY_ENV, PLANTED, POISON, all_bytes, assert_no_planted_values, corpus_jsonl,
                              corpus_parquet, outputs, poison_engine, policy, run_batch)

TESTS = Path(__file__).resolve().parent


@pytest.mark.parametrize("resources, workers, gpus, cpus, expected", [
    ({"CPU": 16.0}, None, None, 1.0, (16, 0.0)),
    ({"CPU": 16.0}, None, None, 4.0, (4, 0.0)),
    ({"CPU": 16.0, "GPU": 4.0}, None, None, 1.0, (4, 1.0)),
    ({"CPU": 16.0, "GPU": 4.0}, None, 0.5, 1.0, (8, 0.5)),
    ({"CPU": 16.0, "GPU": 4.0}, 2, None, 1.0, (2, 1.0)),
    ({"CPU": 2.0, "GPU": 4.0}, None, 0.0, 1.0, (2, 0.0)),  # GPUs there but not asked for
    ({}, None, None, 1.0, (1, 0.0)),
])
def test_pool_size(resources, workers, gpus, cpus, expected):
    assert pool_size(resources, workers, gpus, cpus) == expected


@pytest.fixture(scope="module")
def ray_runtime():
    ray = pytest.importorskip("ray")
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", KEY_ENV)}
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(TESTS), saved["PYTHONPATH"]) if p)
    os.environ[KEY_ENV] = KEY
    ray.init(num_cpus=2, include_dashboard=False)
    try:
        yield ray
    finally:
        ray.shutdown()
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)


@pytest.fixture(scope="module")
def jsonl_runs(ray_runtime, tmp_path_factory) -> dict[str, Path]:
    """The same keyed corpus through --engine local and --engine ray (2 actors)."""
    from jpt_redact.integrations.ray import run_on_ray

    base = tmp_path_factory.mktemp("ray")
    src = corpus_jsonl(base / "tickets.jsonl", n=30)
    keys = KeyProvider.from_text(KEY)
    run_batch(src, base / "local", pol=policy(keyed=True), keys=keys)
    plan = plan_batch(src, base / "ray", BatchSettings(shard_size=5))
    with BatchRun(plan, policy(keyed=True), keys=keys) as run:
        run_on_ray(run, engine_factory=poison_engine, workers=2, quiet=True)
    assert run.summary.complete and not run.summary.failed
    return {"src": src, "local": base / "local", "ray": base / "ray"}


def test_ray_outputs_are_byte_identical_to_local(jsonl_runs):
    local, ray_out = outputs(jsonl_runs["local"]), outputs(jsonl_runs["ray"])
    assert len(local) == 7 and ray_out == local
    assert (jsonl_runs["ray"] / "errors.jsonl").read_bytes() == (jsonl_runs["local"] / "errors.jsonl").read_bytes()


def test_ray_run_removes_planted_values_and_lists_the_failing_record(jsonl_runs):
    out = jsonl_runs["ray"]
    assert_no_planted_values(out)
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert {"shard": 2, "id": "poisoned", "error": "DetectionError", "stage": "model", "cause": "RuntimeError"} in errors
    assert all(set(e) <= {"shard", "id", "error", "stage", "cause"} for e in errors)  # ids and types only
    assert "poisoned" not in "".join(v.decode() for v in outputs(out).values())


def test_ray_audit_shards_verify_and_a_removed_shard_fails(jsonl_runs, tmp_path):
    keys = KeyProvider.from_text(KEY)
    result = verify_batch(jsonl_runs["ray"], keys)
    assert result.ok and result.shards == 7 and result.records == 30
    from jpt_redact.cli.main import cli

    ok = CliRunner().invoke(cli, ["audit", "verify", str(jsonl_runs["ray"]), "--key-env", KEY_ENV])
    assert ok.exit_code == 0 and "chains and MACs and outputs verified" in ok.output
    damaged = Path(shutil.copytree(jsonl_runs["ray"], tmp_path / "damaged"))
    (damaged / "audit" / "00004.jsonl").unlink()
    assert not verify_batch(damaged, keys).ok
    bad = CliRunner().invoke(cli, ["audit", "verify", str(damaged), "--key-env", KEY_ENV])
    assert bad.exit_code == 8 and "shard 4" in bad.output


def test_ray_resume_after_deleting_one_output_shard(jsonl_runs, tmp_path):
    from jpt_redact.integrations.ray import run_on_ray

    out = Path(shutil.copytree(jsonl_runs["ray"], tmp_path / "out"))
    (out / "tickets.part-00003.jsonl").unlink()
    plan = plan_batch(jsonl_runs["src"], out, BatchSettings(shard_size=5))
    with BatchRun(plan, policy(keyed=True), keys=KeyProvider.from_text(KEY)) as run:
        assert [s.index for s in run.pending] == [3]
        run_on_ray(run, engine_factory=poison_engine, workers=1, quiet=True)
    assert (run.summary.skipped, run.summary.completed) == (6, 1)
    assert outputs(out) == outputs(jsonl_runs["local"])
    assert verify_batch(out, KeyProvider.from_text(KEY)).ok


def test_cli_engine_ray_matches_local_on_parquet(ray_runtime, tmp_path):
    """Through the command, patterns only (`--no-model`: nothing to fake in the workers)."""
    from jpt_redact.cli.main import cli

    src = corpus_parquet(tmp_path / "lake.parquet")
    pol = tmp_path / "p.yaml"
    pol.write_text("name: emails\nentities:\n  EMAIL:\n    definition: An email address.\n    model: false\n"
                   "    patterns: [{name: email, regex: '[a-z0-9.]+@[a-z.]+', score: 0.9}]\n    action: redact\n")
    runs = {}
    for engine in ("local", "ray"):
        args = ["batch", str(src), str(tmp_path / engine), "-p", str(pol), "--shard-size", "5", "--no-model",
                "--engine", engine, "-q", "--json"]
        result = CliRunner().invoke(cli, args + (["--workers", "1"] if engine == "ray" else []))
        assert result.exit_code == 3, result.output  # the null text is not written
        runs[engine] = json.loads(result.stdout)
    assert outputs(tmp_path / "ray") == outputs(tmp_path / "local")
    assert runs["ray"]["written"] == runs["local"]["written"] == 11
    assert b"@example.org" not in b"".join(all_bytes(tmp_path / "ray").values())


def test_redact_dataset_keeps_ids_and_columns_and_fails_closed(ray_runtime, tmp_path, monkeypatch):
    from jpt_redact.exporters.audit import verify_log
    from jpt_redact.integrations.ray import redact_dataset

    monkeypatch.setattr(ray_runtime.data.DataContext.get_current().execution_options, "preserve_order", True)
    rows = [{"id": f"d{i}", "text": f"Alice Smith {i} in Paris, mail a{i}@example.org", "n": i} for i in range(12)]
    rows[4]["text"] = f"{POISON} Bob Jones"
    rows[9]["text"] = None
    ds = ray_runtime.data.from_items(rows)
    out = redact_dataset(ds, policy(keyed=True), id_column="id", engine_factory=poison_engine, workers=1,
                         rows_per_call=5, audit_dir=str(tmp_path / "audit")).take_all()
    assert [r["id"] for r in out] == [f"d{i}" for i in range(12)] and [r["n"] for r in out] == list(range(12))
    assert out[0]["text"] == "<PERSON> 0 in <CITY>, mail <EMAIL>" and out[0]["redaction_error"] is None
    assert (out[4]["text"], out[4]["redaction_error"]) == (None, "DetectionError")
    assert (out[9]["text"], out[9]["redaction_error"]) == (None, "InputError")
    texts = " ".join(r["text"] or "" for r in out)
    assert not any(v in texts for v in PLANTED + (POISON,))
    logs = list((tmp_path / "audit").glob("worker-*.jsonl"))
    assert len(logs) == 1
    result = verify_log(logs[0], KeyProvider.from_text(KEY))
    assert result.ok and result.records == 10

