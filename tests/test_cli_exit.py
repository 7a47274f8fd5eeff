"""The console entry point's fast exit (cli/main.py): outputs stay whole when the process ends
with os._exit, and in-process callers are never cut short."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jpt_redact.cli import common
from jpt_redact.cli.main import main
from jpt_redact.exporters.audit import read_records, verify_log
from jpt_redact.keys import KeyProvider

POLICY = """\
name: exit-test
entities:
  EMAIL:
    definition: "An email address."
    model: false
    recognizers: [email]
"""
KEY = "hex:" + bytes(range(0x41, 0x61)).hex()
LINE = "row {i}: write to user{i}@example.com today\n"


def console(args, tmp_path, stdin: bytes = b"", fast: bool = True) -> subprocess.CompletedProcess:
    (tmp_path / "p.yaml").write_text(POLICY)
    env = {**os.environ, "JPT_REDACT_KEY": KEY, "JPT_REDACT_FAST_EXIT": "1" if fast else "0"}
    env.pop("JPT_REDACT_KEY_FILE", None)
    cmd = [sys.executable, "-m", "jpt_redact.cli.main", *args, "-p", str(tmp_path / "p.yaml"), "--no-model", "-q"]
    return subprocess.run(cmd, input=stdin, env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("fast", [True, False])
def test_a_large_stdout_arrives_whole(tmp_path, fast):
    # ~1.3 MB through a pipe: sys.stdout buffers it, so an exit without flushing loses the tail
    text = "".join(LINE.format(i=i) for i in range(30_000))
    done = console(["-"], tmp_path, text.encode(), fast=fast)
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert out.count("\n") == 30_000 and out.endswith("row 29999: write to <EMAIL> today\n")
    assert "@example.com" not in out and done.stderr == b""


def test_files_and_audit_are_complete(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(5):
        (docs / f"{i}.txt").write_text(LINE.format(i=i))
    out, log = tmp_path / "out", tmp_path / "audit.jsonl"
    done = console([str(docs), "--out-dir", str(out), "--audit", str(log)], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    assert sorted(p.name for p in out.iterdir()) == [f"{i}.txt" for i in range(5)]
    assert (out / "3.txt").read_text() == "row 3: write to <EMAIL> today\n"
    assert verify_log(log, KeyProvider.from_text(KEY), require_anchor=True).ok
    assert len(read_records(log)) == 5


def test_analyze_output_file_is_complete(tmp_path):
    records = tmp_path / "in.jsonl"
    records.write_text("".join(json.dumps({"id": i, "text": LINE.format(i=i)}) + "\n" for i in range(200)))
    target = tmp_path / "spans.jsonl"
    done = console(["analyze", str(records), "-o", str(target)], tmp_path)
    assert done.returncode == 0, done.stderr.decode()
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(rows) == 200 and all(r["spans"][0]["label"] == "EMAIL" for r in rows)


def test_an_error_exit_keeps_its_code(tmp_path):
    done = console([str(tmp_path / "missing.txt")], tmp_path)
    assert done.returncode != 0 and done.stderr.decode().startswith("Error: ")


def test_in_process_callers_get_an_ordinary_exit(tmp_path):
    # main(argv) (and CliRunner) must raise SystemExit, not end the test process
    (tmp_path / "p.yaml").write_text(POLICY)
    (tmp_path / "a.txt").write_text(LINE.format(i=1))
    with pytest.raises(SystemExit) as done:
        main([str(tmp_path / "a.txt"), "-p", str(tmp_path / "p.yaml"), "--no-model", "-q",
              "-o", str(tmp_path / "a.out")])
    assert done.value.code == 0 and common.fast_exit_allowed()
    assert (tmp_path / "a.out").read_text() == "row 1: write to <EMAIL> today\n"


DRIVER = ("import atexit, sys; from pathlib import Path; marker = Path(sys.argv.pop(1)); "
          "atexit.register(lambda: marker.write_text('teardown ran')); "
          "from jpt_redact.cli.main import main; main()")


@pytest.mark.parametrize("fast", [True, False])
def test_the_console_entry_skips_teardown_unless_turned_off(tmp_path, fast):
    (tmp_path / "p.yaml").write_text(POLICY)
    marker = tmp_path / "marker"
    env = {**os.environ, "JPT_REDACT_FAST_EXIT": "1" if fast else "0"}
    done = subprocess.run([sys.executable, "-c", DRIVER, str(marker), "-", "-p", str(tmp_path / "p.yaml"),
                           "--no-model", "-q"], input=b"mail a@example.com\n", env=env, capture_output=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout == b"mail <EMAIL>\n"
    assert marker.exists() is not fast
