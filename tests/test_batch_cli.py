"""`jpt-redact batch` (jpt_redact/cli/batch.py): options, summary, exit codes, and SIGTERM
mid-run (a real process: no partial output, and a re-run completes)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FailingEngine, FakeEngine
from test_batch_local import POISON, corpus_jsonl, outputs, run_batch

TESTS = Path(__file__).resolve().parent


def run_cli(args):
    from jpt_redact.cli.main import cli

    return CliRunner().invoke(cli, ["batch", *map(str, args)])


@pytest.fixture
def policy_path(policy_file) -> Path:
    return policy_file


def test_batch_writes_the_run_and_prints_its_summary(tmp_path, policy_path, cli_engine):
    cli_engine["engine"] = FailingEngine(marker=POISON)
    src = corpus_jsonl(tmp_path / "t.jsonl")
    result = run_cli([src, tmp_path / "out", "-p", policy_path, "--shard-size", "5", "--json", "-q"])
    assert result.exit_code == 10, result.output  # the first record not written: a malformed line
    summary = json.loads(result.stdout)
    assert (summary["shards"], summary["completed"], summary["written"], summary["errors"]) == (6, 6, 23, 3)
    assert POISON not in result.output and "Bob Jones" not in result.output


def test_batch_exit_codes_follow_the_first_record_error(tmp_path, policy_path, cli_engine):
    cli_engine["engine"] = FailingEngine(marker=POISON)
    src = tmp_path / "t.jsonl"
    src.write_text(json.dumps({"id": "a", "text": "Carol"}) + "\n" + json.dumps({"id": "b", "text": POISON}) + "\n")
    result = run_cli([src, tmp_path / "out", "-p", policy_path])
    assert result.exit_code == 6
    assert "1 of 1 shards done (1 now); 1 of 2 records written" in result.stderr
    cli_engine["engine"] = FakeEngine()
    again = run_cli([src, tmp_path / "out", "-p", policy_path, "--retry-errors"])
    assert again.exit_code == 0 and "2 of 2 records written" in again.stderr


def test_batch_output_matches_the_library_run(tmp_path, policy_path, cli_engine):
    cli_engine["engine"] = FailingEngine(marker=POISON)
    src = corpus_jsonl(tmp_path / "t.jsonl")
    run_cli([src, tmp_path / "cli", "-p", policy_path, "--shard-size", "5", "-q"])
    run_batch(src, tmp_path / "lib", shard_size=5)
    assert outputs(tmp_path / "cli") == outputs(tmp_path / "lib")


@pytest.mark.parametrize("args, message", [
    (["--workers", "2"], "are for --engine ray"),
    (["--shard-size", "0"], "0 is not in the range"),
])
def test_usage_errors(tmp_path, policy_path, cli_engine, args, message):
    src = corpus_jsonl(tmp_path / "t.jsonl", n=2)
    result = run_cli([src, tmp_path / "out", "-p", policy_path, *args])
    assert result.exit_code == 2 and message in result.output


def test_a_model_that_cannot_load_exits_4_and_writes_no_output(tmp_path, policy_path, monkeypatch):
    from jpt_redact.cli import common
    from jpt_redact.errors import ModelError

    class Unloadable:
        @property
        def engine(self):
            raise ModelError("cannot load the JPT model (OSError)")

    monkeypatch.setattr(common, "make_redactor", lambda policy, **kw: Unloadable())
    result = run_cli([corpus_jsonl(tmp_path / "t.jsonl", n=2), tmp_path / "out", "-p", policy_path])
    assert result.exit_code == 4 and "cannot load the JPT model" in result.stderr
    assert outputs(tmp_path / "out") == {}


# -- SIGTERM ----------------------------------------------------------------------------------
class SlowEngine(FakeEngine):
    """A FakeEngine that takes its time, so a signal lands mid-run."""

    def score(self, texts, types, *, batch_size=None):
        time.sleep(0.25)
        return super().score(texts, types, batch_size=batch_size)


CHILD = """
import sys
sys.path.insert(0, {tests!r})
from jpt_redact.cli import common
from jpt_redact.redactor import Redactor
from test_batch_cli import SlowEngine
common.make_redactor = lambda policy, **kw: Redactor.from_policy(policy, engine=SlowEngine(), **kw)
from jpt_redact.cli.main import main
main({args!r})
"""


def test_sigterm_mid_run_leaves_no_partial_file_and_a_rerun_completes(tmp_path, policy_path, cli_engine):
    src = corpus_jsonl(tmp_path / "t.jsonl", n=40)
    out = tmp_path / "out"
    args = ["batch", str(src), str(out), "-p", str(policy_path), "--shard-size", "2", "--batch-size", "1", "-q"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("JPT_REDACT_")}
    child = subprocess.Popen([sys.executable, "-c", CHILD.format(tests=str(TESTS), args=args)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (out / "shards" / "00001.json").exists():  # two shards committed: mid-run
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline, "the child made no progress"
        time.sleep(0.05)
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM, err
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and manifest["pending"]
    # every output there is whole: exactly what an uninterrupted run writes
    reference = outputs(_reference(src, tmp_path / "ref"))
    partial = outputs(out)
    assert partial and len(partial) < len(reference)
    assert all(partial[k] == reference[k] for k in partial)
    result = run_cli([src, out, "-p", policy_path, "--shard-size", "2", "--batch-size", "1", "-q"])  # FakeEngine
    assert result.exit_code == 10, result.output  # the corpus's malformed line
    assert outputs(out) == reference
    from jpt_redact.batch import verify_batch

    assert verify_batch(out).ok


def _reference(src: Path, out: Path) -> Path:
    from jpt_redact.batch import BatchRun, BatchSettings, plan_batch, run_local
    from jpt_redact.policy import load_policy

    from conftest import TEST_POLICY_YAML

    path = out.parent / "ref-policy.yaml"
    path.write_text(TEST_POLICY_YAML)
    plan = plan_batch(src, out, BatchSettings(shard_size=2))
    engine = FakeEngine()
    with BatchRun(plan, load_policy(path)) as run:
        run_local(run, engine_factory=lambda: engine)
    return out
