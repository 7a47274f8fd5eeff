"""The other subcommands: policy, plugins, info, audit report, restore, eval, synth, train."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import TEST_POLICY_YAML
from jpt_redact.cli.main import cli
from jpt_redact.policy import BUILTIN_POLICIES


def run(args, input=None, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)


def one_error(result, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    return line


# -- policy ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", BUILTIN_POLICIES)
def test_builtin_policies_validate(name):
    result = run(["policy", "validate", name])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"OK: {name}: policy {name!r}")


def test_policy_validate_file(policy_file):
    result = run(["policy", "validate", policy_file])
    assert "3 types (2 read by the model)" in result.stdout


@pytest.mark.parametrize(
    "yaml_text, fragments",
    [
        ("name: x\nentities: {}\n", ["entities", "at least one entity type"]),
        ("name: x\nentities:\n  person:\n    definition: 'A person name, any form.'\n", ["label 'person'"]),
        ("name: [unclosed\n", ["invalid YAML"]),
        (
            "name: x\nentities:\n  PERSON:\n    definition: 'A person name, any form.'\n    recognizers: [no_such_recognizer]\n",
            ["no_such_recognizer"],
        ),
        (
            "name: x\nentities:\n  PERSON:\n    definition: 'A person name, any form.'\n    action: {mask: {keep_lots: 4}}\n",
            ["keep_lots"],
        ),
    ],
)
def test_policy_validate_errors(tmp_path, yaml_text, fragments):
    f = tmp_path / "p.yaml"
    f.write_text(yaml_text)
    result = run(["policy", "validate", f])
    assert result.exit_code in (2, 7, 9), result.output  # policy, operator or plugin error
    line = one_error(result, code=result.exit_code)
    for frag in fragments:
        assert frag in line


def test_policy_show_source_and_resolved(policy_file):
    assert run(["policy", "show", policy_file]).stdout.strip() == TEST_POLICY_YAML.strip()
    resolved = run(["policy", "show", policy_file, "--resolved"]).stdout
    assert "on_error: raise" in resolved and "window_tokens: 256" in resolved


def test_policy_schema_is_json_schema():
    schema = json.loads(run(["policy", "schema"]).stdout)
    assert "entities" in schema["properties"]


# -- plugins and info ------------------------------------------------------------------------
def test_plugins_lists_builtins_with_source():
    result = run(["plugins", "--json"])
    assert result.exit_code == 0, result.output
    rows = {(r["kind"], r["name"]): r for r in json.loads(result.stdout)}
    assert ("recognizer", "email") in rows and ("operator", "replace") in rows and ("backend", "torch") in rows
    assert rows[("operator", "replace")]["source"].startswith("entry-point")
    text = run(["plugins"]).stdout
    assert "operators (jpt_redact.operators):" in text


def test_info_never_fails(policy_file, monkeypatch, tmp_path):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    result = run(["info", "-p", policy_file])
    assert result.exit_code == 0, result.output
    assert "policy" in result.stdout and "cache dir" in result.stdout
    assert str(tmp_path / "cache") in result.stdout


@pytest.mark.parametrize("command", [["info"], ["-", "--no-model"], ["analyze", "-", "--no-model"]])
def test_backend_names_are_checked_against_the_installed_backends(command, policy_file):
    line = one_error(run([*command, "-p", policy_file, "--backend", "gpu"], input="x\n"), code=2)
    assert "model.backend: unknown backend 'gpu'" in line and "onnx-tensorrt" in line


def test_every_installed_backend_can_be_asked_for(policy_file):
    result = run(["info", "-p", policy_file, "--backend", "onnx-tensorrt"])
    assert result.exit_code == 0, result.output
    (backend,) = [x for x in result.stdout.splitlines() if x.startswith("backend ")]
    assert "onnx-tensorrt" in backend  # accepted (not a policy error); chosen, or why it is unavailable here


def test_onnx_settings_come_from_the_policy_and_the_command_line(policy_file, monkeypatch, tmp_path):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))  # no exports cached
    monkeypatch.setattr("jpt_redact.runtime.select.torch_cuda_available", lambda: (False, "no CUDA"))
    int8_policy = tmp_path / "int8.yaml"
    int8_policy.write_text(TEST_POLICY_YAML.replace("entities:", "model: {onnx_precision: int8}\nentities:"))

    def why_not_onnx_cpu(policy, *args, env=None) -> str:
        """Why `auto` skipped onnx-cpu: names the precision it looked for in the cache."""
        (line,) = [x for x in run(["info", "-p", policy, *args], env=env).stdout.splitlines() if x.startswith("backend ")]
        return line.split("onnx-cpu: ")[1].split(" ONNX export")[0]

    assert why_not_onnx_cpu(policy_file) == "no fp32"
    assert why_not_onnx_cpu(int8_policy) == "no int8"  # the policy's field
    assert why_not_onnx_cpu(policy_file, "--onnx-precision", "int8") == "no int8"  # the flag overrides it
    assert why_not_onnx_cpu(int8_policy, "--onnx-precision", "fp32") == "no fp32"
    assert why_not_onnx_cpu(policy_file, env={"JPT_REDACT_ONNX_PRECISION": "int8"}) == "no int8"  # the flag's default


# -- audit report and restore ----------------------------------------------------------------
def test_audit_report_text_and_html(cli_engine, policy_file, tmp_path, audit_key):
    note = tmp_path / "n.txt"
    note.write_text("Carol in Paris, mail carol@example.com")
    log = tmp_path / "audit.jsonl"
    assert run([note, "-p", policy_file, "--audit", log]).exit_code == 0
    html = tmp_path / "report.html"
    result = run(["audit", "report", log, "--html", html])
    assert result.exit_code == 0, result.output
    assert "PERSON" in result.stdout and "EMAIL" in result.stdout
    assert "<html" in html.read_text().lower()
    assert "Carol" not in result.stdout + html.read_text()
    summary = json.loads(run(["audit", "report", log, "--json"]).stdout)
    assert summary["findings"] == 3


def test_audit_verify_missing_log(tmp_path):
    line = one_error(run(["audit", "verify", tmp_path / "none.jsonl"]), code=8)
    assert "none.jsonl" in line


ENCRYPT_POLICY = TEST_POLICY_YAML.replace("        score: 0.95\n    action: replace", "        score: 0.95\n    action: encrypt")


def test_encrypt_then_restore(cli_engine, tmp_path, audit_key):
    policy = tmp_path / "enc.yaml"
    policy.write_text(ENCRYPT_POLICY)
    original = "Carol wrote from carol@example.com today.\n"
    src = tmp_path / "in.txt"
    src.write_text(original)
    redacted = tmp_path / "red.txt"
    assert run([src, "-p", policy, "-o", redacted]).exit_code == 0
    text = redacted.read_text()
    assert "carol@example.com" not in text and "[ENC:EMAIL:" in text and "<PERSON>" in text
    restored = run(["restore", redacted])
    assert restored.exit_code == 0, restored.output
    assert restored.stdout == original.replace("Carol", "<PERSON>")


def test_restore_without_key(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("token [ENC:EMAIL:AAAAAAAAAAAAAAAAAAAAAAAAAAAA] here")
    line = one_error(run(["restore", f]), code=7)
    assert "JPT_REDACT_KEY" in line


def test_restore_with_wrong_key(cli_engine, tmp_path, audit_key, monkeypatch):
    policy = tmp_path / "enc.yaml"
    policy.write_text(ENCRYPT_POLICY)
    src = tmp_path / "in.txt"
    src.write_text("mail carol@example.com")
    out = tmp_path / "out.txt"
    assert run([src, "-p", policy, "-o", out]).exit_code == 0
    monkeypatch.setenv("JPT_REDACT_KEY", "hex:" + bytes(range(0xcd, 0xed)).hex())
    line = one_error(run(["restore", out]), code=7)
    assert "carol" not in line


# -- eval, synth, train (thin wrappers) ------------------------------------------------------
def test_eval_on_jsonl(cli_engine, policy_file, tmp_path):
    data = tmp_path / "gold.jsonl"
    rows = [
        {"text": "Carol lives in Paris", "spans": [{"start": 0, "end": 5, "label": "PER"}, {"start": 15, "end": 20, "label": "CITY"}]},
        {"text": "Bob Jones called", "spans": [{"start": 0, "end": 9, "label": "PER"}]},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    label_map = tmp_path / "map.yaml"
    label_map.write_text("PER: PERSON\n")
    result = run(["eval", "--data", data, "-p", policy_file, "--label-map", label_map, "--json", "-q"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n_docs"] == 2
    assert report["micro"]["strict"] == {**report["micro"]["strict"], "precision": 1.0, "recall": 1.0, "n_gold": 3}
    assert report["leak_rate"] == 0.0
    unmapped = json.loads(run(["eval", "--data", data, "-p", policy_file, "--json", "-q"]).stdout)
    assert unmapped["micro"]["strict"]["precision"] < 1.0  # PER vs PERSON: no match without the map
    text = run(["eval", "--data", data, "-p", policy_file, "--label-map", label_map, "-q", "--limit", "1"])
    assert text.exit_code == 0, text.output
    assert "PERSON" in text.stdout


def test_eval_bad_label_map(cli_engine, policy_file, tmp_path):
    data = tmp_path / "gold.jsonl"
    data.write_text(json.dumps({"text": "Carol", "spans": []}) + "\n")
    bad = tmp_path / "map.yaml"
    bad.write_text("- not\n- a mapping\n")
    line = one_error(run(["eval", "--data", data, "-p", policy_file, "--label-map", bad]), code=10)
    assert "label map" in line


def test_synth_writes_jsonl(tmp_path):
    out = tmp_path / "synth.jsonl"
    result = run(["synth", "-p", "default", "-n", "5", "--seed", "3", "-o", out])
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(rows) == 5
    for row in rows:
        for span in row["spans"]:
            assert 0 <= span["start"] < span["end"] <= len(row["text"])
    again = tmp_path / "again.jsonl"
    run(["synth", "-p", "default", "-n", "5", "--seed", "3", "-o", again])
    assert again.read_text() == out.read_text()  # same seed, same data
    dev = tmp_path / "dev.jsonl"
    run(["synth", "-p", "default", "-n", "5", "--seed", "3", "--split", "dev", "-o", dev])
    assert dev.read_text() != out.read_text()


def test_train_missing_config(tmp_path):
    result = run(["train", "--config", tmp_path / "nope.yaml"])
    assert result.exit_code == 2  # click's own usage error
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("command", "stdin"), [(["-"], "Alice\n"), (["analyze", "-"], '{"id": 1, "text": "Alice"}\n')])
def test_checkpoint_flag_overrides_the_policy_model(command, stdin, policy_file, cli_engine, tmp_path, monkeypatch):
    run_dir = tmp_path / "runs" / "v6" / "checkpoint"
    run_dir.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    result = run([*command, "-p", policy_file, "--checkpoint", "runs/v6/checkpoint"], input=stdin)
    assert result.exit_code == 0, result.output
    (redactor,) = cli_engine["redactors"]
    assert redactor.policy.model.checkpoint == str(run_dir.resolve())  # absolute: Ray workers run elsewhere


def test_checkpoint_flag_needs_a_directory(policy_file, tmp_path):
    result = run(["-", "-p", policy_file, "--checkpoint", str(tmp_path / "missing")], input="x\n")
    assert result.exit_code == 2 and "does not exist" in result.output
