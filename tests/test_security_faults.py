"""Fault injection (issue 14 campaign): the model raising mid-batch, a full disk while writing,
SIGTERM mid-run, a corrupt checkpoint or backbone, an unusable definition cache, a plugin that
raises or returns garbage.

Every case checks the same four promises: nothing unredacted is emitted, no partial output
file (or temporary) is left, the exit code names the failure (6 detection, 11 output, 143
SIGTERM, 4 model), and a re-run completes the job with an audit log that verifies.
"""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from conftest import TEST_POLICY_YAML, FakeEngine
from jpt_redact import registry
from jpt_redact.cli.main import cli
from jpt_redact.exporters.audit import read_records, verify_log
from jpt_redact.keys import KeyProvider

SECRET = "Alice Smith"
DOC = f"{SECRET} lives in Springfield, mail alice@example.com\n"
REDACTED = "<PERSON> lives in <CITY>, mail <EMAIL>\n"


def run(args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


def corpus(tmp_path, n=6) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(n):
        (docs / f"{i:02d}.txt").write_text(DOC)
    return docs


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp"))


def assert_consistent(out: Path, log: Path, keys) -> list[str]:
    """Every output is complete, no temporaries, and the audit log verifies and names exactly the
    outputs (a re-run adds records for the files it rewrites)."""
    written = sorted(p.name for p in out.glob("*.txt")) if out.exists() else []
    for name in written:
        assert (out / name).read_text() == REDACTED
    assert leftovers(out) == [] if out.exists() else True
    if log.exists():
        assert verify_log(log, keys, require_anchor=True).ok
        assert sorted({r["document_id"] for r in read_records(log)}) == written
    else:
        assert written == []
    return written


class MidBatchFailure(FakeEngine):
    """Raises (quoting the text, as a careless library would) on its calls numbered in
    `fail_on`: a fault that lasts for those calls, then clears."""

    def __init__(self, fail_on: set[int]):
        super().__init__()
        self.fail_on, self.n = fail_on, 0

    def score(self, texts, types, *, batch_size=None):
        self.n += 1
        if self.n in self.fail_on:
            raise RuntimeError(f"CUDA error while reading {texts[0]!r}")
        return super().score(texts, types)


@pytest.mark.parametrize("fail_on, failed", [
    ({2}, []),               # one failed call: the batch is retried one document at a time and completes
    ({2, 3}, ["02.txt"]),    # the retry of 02 fails too: only 02 is lost, its batch-mate 03 is written
    ({2, 3, 4, 5, 6, 7}, ["02.txt", "03.txt", "04.txt", "05.txt"]),  # the model is gone for the rest of the run
])
def test_model_raising_mid_batch(tmp_path, cli_engine, policy_file, audit_key, fail_on, failed):
    docs, out, log = corpus(tmp_path), tmp_path / "out", tmp_path / "audit.jsonl"
    cli_engine["engine"] = MidBatchFailure(fail_on)
    result = run([docs, "-p", policy_file, "--out-dir", out, "--audit", log, "--batch-size", "2"])
    assert result.exit_code == (6 if failed else 0), result.output
    assert SECRET not in result.output and "CUDA error" not in result.output
    written = assert_consistent(out, log, KeyProvider.from_env())
    assert written == sorted({f"{i:02d}.txt" for i in range(6)} - set(failed))
    cli_engine["engine"] = FakeEngine()
    assert run([docs, "-p", policy_file, "--out-dir", out, "--audit", log]).exit_code == 0
    assert len(assert_consistent(out, log, KeyProvider.from_env())) == 6
    assert verify_log(log, KeyProvider.from_env(), require_anchor=True).records == len(written) + 6


@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_disk_full_while_writing_an_output(tmp_path, cli_engine, policy_file, audit_key, monkeypatch, where):
    docs, out, log = corpus(tmp_path, 3), tmp_path / "out", tmp_path / "audit.jsonl"
    real = {"replace": os.replace, "fsync": os.fsync}[where]

    def full(*args):
        target = str(args[1]) if where == "replace" else os.readlink(f"/proc/self/fd/{args[0]}")
        if "01.txt" in target:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args)

    monkeypatch.setattr(os, where, full)
    result = run([docs, "-p", policy_file, "--out-dir", out, "--audit", log])
    assert result.exit_code == 11, result.output
    assert "No space left on device" in result.stderr and SECRET not in result.output
    monkeypatch.setattr(os, where, real)
    assert assert_consistent(out, log, KeyProvider.from_env()) == ["00.txt"]  # stopped at the failure, nothing partial
    assert run([docs, "-p", policy_file, "--out-dir", out, "--audit", log]).exit_code == 0
    assert assert_consistent(out, log, KeyProvider.from_env()) == ["00.txt", "01.txt", "02.txt"]


def test_disk_full_while_committing_a_jsonl_stream(tmp_path, cli_engine, policy_file, audit_key, monkeypatch):
    docs, log, target = corpus(tmp_path, 3), tmp_path / "audit.jsonl", tmp_path / "all.jsonl"
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")))
    result = run([docs, "-p", policy_file, "--format", "jsonl", "-o", target, "--audit", log])
    assert result.exit_code == 11
    monkeypatch.setattr(os, "replace", real)
    assert not target.exists() and leftovers(tmp_path) == []
    assert not log.exists() or read_records(log) == []  # no record of a stream that was never written
    assert run([docs, "-p", policy_file, "--format", "jsonl", "-o", target, "--audit", log]).exit_code == 0
    assert len(target.read_text().splitlines()) == 3 and len(read_records(log)) == 3


DRIVER = r"""
import sys, time
from pathlib import Path
from jpt_redact import registry

class Slow:
    name = "pattern:slow"
    def find(self, text):
        Path(sys.argv[1]).touch()      # the run is under way
        time.sleep(0.05)
        return []

registry.recognizers.register("test_slow", Slow)
from jpt_redact.cli.main import main
main(sys.argv[2:])
"""

SLOW_POLICY = """
name: slow
entities:
  EMAIL:
    definition: "An email address of someone."
    model: false
    recognizers: [email, test_slow]
"""


def test_sigterm_mid_run(tmp_path):
    docs = corpus(tmp_path, 40)
    out, log, marker = tmp_path / "out", tmp_path / "audit.jsonl", tmp_path / "started"
    (tmp_path / "slow.yaml").write_text(SLOW_POLICY)
    (tmp_path / "driver.py").write_text(DRIVER)
    key = "hex:" + bytes(range(0x61, 0x81)).hex()
    env = {**os.environ, "JPT_REDACT_KEY": key}
    env.pop("JPT_REDACT_KEY_FILE", None)
    args = [sys.executable, str(tmp_path / "driver.py"), str(marker), str(docs), "-p", str(tmp_path / "slow.yaml"),
            "--out-dir", str(out), "--audit", str(log), "--batch-size", "4", "-q"]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)  # a few batches in
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert b"terminated (SIGTERM)" in err
    keys = KeyProvider.from_text(key)
    written = sorted(p.name for p in out.glob("*.txt")) if out.exists() else []
    assert len(written) < 40 and leftovers(out if out.exists() else tmp_path) == []
    expected = "Alice Smith lives in Springfield, mail <EMAIL>\n"  # the slow policy knows only EMAIL
    assert all((out / n).read_text() == expected for n in written)
    if log.exists():
        assert verify_log(log, keys, require_anchor=True).ok
        assert sorted({r["document_id"] for r in read_records(log)}) == written
    rerun = subprocess.run(args, env=env, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr.decode()
    assert len(list(out.glob("*.txt"))) == 40 and leftovers(out) == []
    assert verify_log(log, keys, require_anchor=True).ok


def test_corrupt_checkpoint(tmp_path, policy_file):
    bad = tmp_path / "ckpt"
    bad.mkdir()
    (bad / "config.json").write_text('{"format_version": 2, "truncated')
    (bad / "heads.safetensors").write_bytes(os.urandom(64))
    pol = tmp_path / "p.yaml"
    pol.write_text(TEST_POLICY_YAML + f"model:\n  checkpoint: {bad}\n")
    note = tmp_path / "n.txt"
    note.write_text(DOC)
    out = tmp_path / "out.txt"
    result = run([note, "-p", pol, "-o", out, "--audit", tmp_path / "a.jsonl"])
    assert result.exit_code == 4 and "checkpoint" in result.stderr
    assert not out.exists() and not (tmp_path / "a.jsonl").exists() and SECRET not in result.output
    assert run([note, "-p", pol, "-o", out, "--on-error", "redact_all"]).exit_code == 12  # placeholder, never the text
    assert SECRET not in out.read_text()


def test_corrupt_backbone(tmp_path):
    bad = tmp_path / "backbone"
    bad.mkdir()
    (bad / "config.json").write_text("{not json")
    (bad / "model.safetensors").write_bytes(b"\x00" * 100)
    pol = tmp_path / "p.yaml"
    pol.write_text(TEST_POLICY_YAML + f"model:\n  backbone: {bad}\n")
    note = tmp_path / "n.txt"
    note.write_text(DOC)
    result = run([note, "-p", pol, "-o", tmp_path / "out.txt"])
    assert result.exit_code == 4, result.output
    assert not (tmp_path / "out.txt").exists() and SECRET not in result.output


def test_definition_cache_corrupt_or_unwritable(tmp_path, monkeypatch):
    from jpt_redact.model.encoder import DefinitionEncoder

    enc_dir = tmp_path / "enc"
    enc_dir.mkdir()
    (enc_dir / "model.safetensors").write_bytes(b"weights")
    calls = []

    class Model:
        def encode(self, texts, **kw):
            calls.append(list(texts))
            return np.ones((len(texts), 4), dtype=np.float32)

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    enc = DefinitionEncoder(enc_dir)
    monkeypatch.setattr(enc, "_load", lambda: Model())
    enc.store(["a definition"], np.full((1, 4), 2.0, dtype=np.float32))
    cached = next(enc._cache_dir.glob("*.npy"))
    cached.write_bytes(b"\x93NUMPY garbage")  # a corrupt entry
    assert (enc.encode(["a definition"]) == 1.0).all() and calls == [["a definition"]]  # recomputed ...
    assert (np.load(cached) == 1.0).all()  # ... and replaced
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("JPT_REDACT_CACHE", str(blocked))
    enc2 = DefinitionEncoder(enc_dir)
    monkeypatch.setattr(enc2, "_load", lambda: Model())
    assert enc2.encode(["other"]).shape == (1, 4)  # works, uncached


class Boom:
    name = "pattern:boom"

    def find(self, text):
        raise ValueError(f"cannot parse {text!r}")


class Garbage:
    name = "pattern:garbage"

    def find(self, text):
        return [(0, len(text) * 10, 0.9), ("x", None)]


@pytest.mark.parametrize("plugin", [Boom, Garbage])
def test_a_plugin_that_raises_or_returns_garbage(tmp_path, cli_engine, plugin):
    registry.recognizers.register("test_plugin", plugin)
    try:
        pol = tmp_path / "p.yaml"
        pol.write_text(TEST_POLICY_YAML.replace("    patterns:\n", "    recognizers: [test_plugin]\n    patterns:\n"))
        docs, out = corpus(tmp_path, 3), tmp_path / "out"
        result = run([docs, "-p", pol, "--out-dir", out])
        assert result.exit_code == 6 and SECRET not in result.output and "Traceback" not in result.output
        assert not out.exists() or list(out.iterdir()) == []
        single = run([docs / "00.txt", "-p", pol])
        assert single.exit_code == 6 and single.stdout == ""
    finally:
        registry.recognizers.unregister("test_plugin")
    assert run([docs, "-p", pol, "--out-dir", out]).exit_code == 2  # the plugin is gone: a PolicyError
    pol.write_text(TEST_POLICY_YAML)  # the re-run without it completes
    assert run([docs, "-p", pol, "--out-dir", out]).exit_code == 0
    assert sorted(p.read_text() for p in out.iterdir()) == [REDACTED] * 3


def test_corrupt_backbone_cache_is_converted_again(tmp_path, monkeypatch):
    # A GGUF backbone is converted once into <cache>/backbones/<sha>/; a damaged conversion
    # (a crash or a full disk mid-write by another tool, bit rot) was loaded as is by every run
    # and failed them all. Now it is thrown away and converted again, once.
    from engine_fixtures import make_backbone
    from jpt_redact.errors import ModelError
    from jpt_redact.model import backbone as bb

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    gguf = tmp_path / "tiny.gguf"
    gguf.write_bytes(b"GGUF" + os.urandom(60))
    conversions = []

    def convert(path, out):  # stands in for transformers' dequantization of a real GGUF
        conversions.append(path)
        tiny = make_backbone()
        tiny.model.save_pretrained(str(out))
        tiny.tokenizer.save_pretrained(str(out))

    monkeypatch.setattr(bb, "_convert_gguf", convert)
    first = bb.load_backbone(gguf)
    assert len(conversions) == 1
    [cached] = (tmp_path / "cache" / "backbones").glob("*/model.safetensors")
    cached.write_bytes(cached.read_bytes()[:100])  # truncated
    again = bb.load_backbone(gguf)
    assert len(conversions) == 2 and again.num_layers_total == first.num_layers_total
    assert bb.load_backbone(gguf) and len(conversions) == 2  # the repaired cache is used as is
    leftovers = [p.name for p in (tmp_path / "cache" / "backbones").iterdir() if p.name.startswith(".tmp-")]
    assert leftovers == []

    def broken(path, out):
        conversions.append(path)
        (out / "config.json").write_text("{not json")
        (out / "model.safetensors").write_bytes(b"\0" * 10)

    cached.write_bytes(b"garbage")
    monkeypatch.setattr(bb, "_convert_gguf", broken)
    with pytest.raises(ModelError, match="cannot load backbone"):
        bb.load_backbone(gguf)  # converted again once, still unusable: a ModelError (exit 4), no loop
    assert len(conversions) == 3
