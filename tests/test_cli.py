"""The redact (default) and analyze commands, and how the CLI reports errors.

Every test runs on the FakeEngine through the `cli_engine` fixture (see conftest.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FailingEngine
from jpt_redact.cli.main import cli
from jpt_redact.redactor import WHOLE_DOCUMENT_PLACEHOLDER

NOTE = "Patient Alice Smith from Springfield, email alice@example.com.\n"
NOTE_REDACTED = "Patient <PERSON> from <CITY>, email <EMAIL>.\n"


def run(args, input=None, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, env=env)


def assert_one_error_line(result, *fragments: str, code: int) -> str:
    assert result.exit_code == code, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1, lines
    for frag in fragments:
        assert frag in errors[0]
    return errors[0]


@pytest.fixture
def note(tmp_path: Path) -> Path:
    f = tmp_path / "note.txt"
    f.write_text(NOTE, encoding="utf-8")
    return f


# -- redact: outputs -------------------------------------------------------------------------
def test_one_file_to_stdout_as_default_command(cli_engine, policy_file, note):
    result = run([note, "--policy", policy_file])
    assert result.exit_code == 0, result.output
    assert result.stdout == NOTE_REDACTED
    explicit = run(["redact", note, "-p", policy_file])
    assert explicit.stdout == result.stdout


def test_one_file_to_output_file(cli_engine, policy_file, note, tmp_path):
    out = tmp_path / "sub" / "out.txt"
    result = run([note, "-p", policy_file, "-o", out])
    assert result.exit_code == 0, result.output
    assert out.read_text() == NOTE_REDACTED
    assert result.stdout == ""


def test_stdin(cli_engine, policy_file):
    result = run(["-", "-p", policy_file], input=NOTE)
    assert result.exit_code == 0, result.output
    assert result.stdout == NOTE_REDACTED


def test_json_format(cli_engine, policy_file, note):
    result = run([note, "-p", policy_file, "--format", "json"])
    data = json.loads(result.stdout)
    assert data["text"] == NOTE_REDACTED
    assert [f["label"] for f in data["findings"]] == ["PERSON", "CITY", "EMAIL"]
    assert data["policy"] == {"name": "test-policy", "version": "7"}
    assert "Alice" not in json.dumps(data["findings"])


def test_jsonl_for_several_files(cli_engine, policy_file, tmp_path):
    for name, text in [("a.txt", "Carol"), ("b.txt", "Paris")]:
        (tmp_path / name).write_text(text)
    out = tmp_path / "all.jsonl"
    result = run([tmp_path / "a.txt", tmp_path / "b.txt", "-p", policy_file, "--format", "jsonl", "-o", out, "-q"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(x["id"], x["text"]) for x in lines] == [("a.txt", "<PERSON>"), ("b.txt", "<CITY>")]
    assert cli_engine["engine"].calls == [2]  # batched: both files in one model call


def test_directory_to_out_dir_mirrors_tree(cli_engine, policy_file, tmp_path):
    src = tmp_path / "docs"
    (src / "ward" / "b").mkdir(parents=True)
    (src / "top.txt").write_text("Carol from Paris")
    (src / "ward" / "b" / "deep.md").write_text("Bob Jones")
    (src / ".hidden").write_text("Carol")
    out = tmp_path / "redacted"
    result = run([src, "-p", policy_file, "--out-dir", out])
    assert result.exit_code == 0, result.output
    assert (out / "top.txt").read_text() == "<PERSON> from <CITY>"
    assert (out / "ward" / "b" / "deep.md").read_text() == "<PERSON>"
    assert not (out / ".hidden").exists()
    assert "redacted 2 of 2 files" in result.stderr
    assert (src / "top.txt").read_text() == "Carol from Paris"  # inputs untouched


def test_out_dir_json_format(cli_engine, policy_file, tmp_path, note):
    out = tmp_path / "o"
    result = run([note, "-p", policy_file, "--out-dir", out, "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "note.txt.json").read_text())["text"] == NOTE_REDACTED


def test_out_dir_inside_input_dir_is_not_read_back(cli_engine, policy_file, tmp_path):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.txt").write_text("Carol")
    for _ in range(2):  # the second run must not pick up the first run's outputs
        result = run([src, "-p", policy_file, "--out-dir", src / "redacted", "-q"])
        assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(src).as_posix() for p in src.rglob("*") if p.is_file()) == ["a.txt", "redacted/a.txt"]


def test_no_model_flag(cli_engine, policy_file, note):
    result = run([note, "-p", policy_file, "--no-model"])
    assert result.stdout == "Patient Alice Smith from Springfield, email <EMAIL>.\n"
    assert cli_engine["engine"].calls == []


# -- redact: refusals and bad inputs ---------------------------------------------------------
def test_refuses_to_overwrite_input(cli_engine, policy_file, note):
    result = run([note, "-p", policy_file, "-o", note])
    assert_one_error_line(result, "refusing to overwrite an input", code=3)
    assert note.read_text() == NOTE


def test_refuses_out_dir_equal_to_input_dir(cli_engine, policy_file, tmp_path, note):
    result = run([tmp_path, "-p", policy_file, "--out-dir", tmp_path])
    assert_one_error_line(result, "refusing to overwrite an input", code=3)
    assert note.read_text() == NOTE


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "empty"),
        (b"  \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        (b"Patient Jos\xe9 Garc\xeda", "invalid utf-8 at byte offset 11"),
    ],
)
def test_bad_input_files(cli_engine, policy_file, tmp_path, content, fragment):
    f = tmp_path / "bad.txt"
    f.write_bytes(content)
    result = run([f, "-p", policy_file])
    line = assert_one_error_line(result, str(f), fragment, code=3)
    assert "Jos" not in line
    assert result.stdout == ""


def test_encoding_option_reads_latin1(cli_engine, policy_file, tmp_path):
    f = tmp_path / "latin.txt"
    f.write_bytes("Carol caf\xe9".encode("latin-1"))
    result = run([f, "-p", policy_file, "--encoding", "latin-1"])
    assert result.stdout == "<PERSON> caf\u00e9"


def test_missing_file(cli_engine, policy_file, tmp_path):
    result = run([tmp_path / "nope.txt", "-p", policy_file])
    assert_one_error_line(result, "nope.txt: no such file", code=3)


def test_size_limit(cli_engine, policy_file, tmp_path):
    f = tmp_path / "big.txt"
    f.write_text("Carol " * 1000)
    result = run([f, "-p", policy_file, "--max-size", "0.001"])
    assert_one_error_line(result, "size limit", code=3)


def test_one_bad_file_among_many(cli_engine, policy_file, tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.txt").write_text("Carol")
    (src / "empty.txt").write_text("")
    out = tmp_path / "out"
    result = run([src, "-p", policy_file, "--out-dir", out])
    assert_one_error_line(result, "empty.txt: empty", code=3)
    assert (out / "good.txt").read_text() == "<PERSON>"
    assert not (out / "empty.txt").exists()
    assert "redacted 1 of 2 files" in result.stderr


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["a.txt", "b.txt"], "--out-dir"),
        (["a.txt", "-o", "x", "--out-dir", "d"], "either -o"),
        (["-", "a.txt"], "stdin"),
        (["-", "--out-dir", "d"], "stdin"),
        (["a.txt", "--out-dir", "d", "--format", "jsonl"], "jsonl"),
    ],
)
def test_usage_errors(cli_engine, policy_file, tmp_path, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("Carol")
    (tmp_path / "b.txt").write_text("Paris")
    result = run([*args, "-p", policy_file])
    assert result.exit_code == 2
    assert fragment in result.stderr
    assert "Traceback" not in result.output


# -- policy errors ---------------------------------------------------------------------------
def test_malformed_policy_one_line_with_line_number(cli_engine, tmp_path, note):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nentities:\n  PERSON:\n    definition: 'A person name, any form.'\n    colour: red\n")
    result = run([note, "-p", bad])
    assert_one_error_line(result, f"{bad}:5", "unknown field", code=2)


def test_unknown_policy_name(cli_engine, note):
    result = run([note, "-p", "no-such-policy"])
    assert_one_error_line(result, "no-such-policy", code=2)


# -- fail closed -----------------------------------------------------------------------------
def test_detection_failure_exits_without_printing_text(cli_engine, policy_file, note):
    cli_engine["engine"] = FailingEngine()
    result = run([note, "-p", policy_file])
    assert_one_error_line(result, "detection failed", code=6)
    assert "Alice" not in result.output and "Springfield" not in result.output
    assert result.stdout == ""


def test_detection_failure_writes_no_output_file(cli_engine, policy_file, note, tmp_path):
    cli_engine["engine"] = FailingEngine()
    out = tmp_path / "out.txt"
    result = run([note, "-p", policy_file, "-o", out])
    assert result.exit_code == 6
    assert not out.exists()


def test_detection_failure_among_many_files(cli_engine, policy_file, tmp_path):
    cli_engine["engine"] = FailingEngine(marker="POISON")
    src = tmp_path / "in"
    src.mkdir()
    (src / "ok.txt").write_text("Carol")
    (src / "poison.txt").write_text("POISON Alice Smith")
    out = tmp_path / "out"
    result = run([src, "-p", policy_file, "--out-dir", out])
    assert_one_error_line(result, "poison.txt: detection failed", code=6)
    assert "Alice" not in result.output
    assert (out / "ok.txt").read_text() == "<PERSON>"
    assert not (out / "poison.txt").exists()


def test_redact_all_option(cli_engine, policy_file, note):
    cli_engine["engine"] = FailingEngine()
    result = run([note, "-p", policy_file, "--on-error", "redact_all", "--format", "json"])
    # issue 14 (low): the placeholder is written, but the run says so with its own exit code
    assert result.exit_code == 12, result.output
    data = json.loads(result.stdout)
    assert data["text"] == WHOLE_DOCUMENT_PLACEHOLDER
    assert data["whole_document_redacted"] is True


def test_unexpected_error_is_one_line_exit_70(cli_engine, policy_file, note, monkeypatch):
    from jpt_redact.cli import common

    def explode(policy, **kwargs):
        raise KeyError("Alice Smith")

    monkeypatch.setattr(common, "make_redactor", explode)
    result = run([note, "-p", policy_file])
    line = assert_one_error_line(result, "internal error (KeyError)", "JPT_REDACT_DEBUG=1", code=70)
    assert "Alice" not in line
    debug = run([note, "-p", policy_file], env={"JPT_REDACT_DEBUG": "1"})
    assert isinstance(debug.exception, KeyError)  # the traceback is there when asked for


# -- audit via the redact command ------------------------------------------------------------
def test_audit_then_verify(cli_engine, policy_file, note, tmp_path, audit_key):
    log = tmp_path / "audit.jsonl"
    for _ in range(2):
        assert run([note, "-p", policy_file, "--audit", log]).exit_code == 0
    verified = run(["audit", "verify", log])
    assert verified.exit_code == 0, verified.output
    assert "OK: 2 records" in verified.stdout
    lines = log.read_text().splitlines()  # line 1 is the anchor header
    record = json.loads(lines[1])
    record["findings"] = record["findings"][:1]
    log.write_text(lines[0] + "\n" + json.dumps(record) + "\n" + lines[2] + "\n")
    tampered = run(["audit", "verify", log])
    assert_one_error_line(tampered, f"{log}:2", code=8)


# -- analyze ---------------------------------------------------------------------------------
def test_analyze_output_shape(cli_engine, policy_file, tmp_path):
    src = tmp_path / "in.jsonl"
    records = [
        {"id": "r1", "text": "Carol lives in Paris"},
        {"id": 2, "text": "mail bob@example.com"},
        {"text": "no id, nothing here"},
    ]
    src.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    out = tmp_path / "out.jsonl"
    result = run(["analyze", src, "-p", policy_file, "-o", out, "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == ["r1", 2, 3]
    assert rows[0]["spans"] == [
        {"start": 0, "end": 5, "label": "PERSON", "score": 0.9},
        {"start": 15, "end": 20, "label": "CITY", "score": 0.9},
    ]
    assert [(s["start"], s["end"], s["label"]) for s in rows[1]["spans"]] == [(5, 20, "EMAIL")]
    assert rows[2]["spans"] == []
    for row in rows:
        for span in row["spans"]:
            assert set(span) == {"start", "end", "label", "score"}
    assert cli_engine["engine"].calls == [2, 1]


def test_analyze_stdin_to_stdout(cli_engine, policy_file):
    result = run(["analyze", "-", "-p", policy_file], input='{"id": "x", "text": "Carol"}\n')
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"id": "x", "spans": [{"start": 0, "end": 5, "label": "PERSON", "score": 0.9}]}


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('{"id": 1, "text": "Carol"}\n{"id": 2, "text": "Alice Smith"\n', "in.jsonl:2: not valid JSON"),
        ('{"id": 1, "body": "Carol"}\n', "in.jsonl:1: expected an object with a 'text' field"),
        ('{"id": 1, "text": 42}\n', "in.jsonl:1: 'text': expected str"),
        ('["Carol"]\n', "in.jsonl:1: expected an object"),
    ],
)
def test_analyze_bad_lines(cli_engine, policy_file, tmp_path, content, fragment):
    src = tmp_path / "in.jsonl"
    src.write_text(content)
    out = tmp_path / "out.jsonl"
    result = run(["analyze", src, "-p", policy_file, "-o", out])
    line = assert_one_error_line(result, fragment, code=3)
    assert "Alice" not in line
    assert not out.exists()  # atomic: no partial output


def test_analyze_fail_closed(cli_engine, policy_file, tmp_path):
    cli_engine["engine"] = FailingEngine()
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "text": "Alice Smith"}\n')
    result = run(["analyze", src, "-p", policy_file])
    assert_one_error_line(result, "detection failed", code=6)
    assert "Alice" not in result.output


def test_mistyped_command_is_a_usage_error(cli_engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(["analyse", "x.jsonl"])
    assert result.exit_code == 2
    assert "Did you mean 'analyze'" in result.stderr
