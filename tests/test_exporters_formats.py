"""Output formats are exporter plugins (exporters/formats/base.py): the built-ins come through
entry points, `--format` takes any registered name, and a plugin format is used for one file,
a directory and a stream, with the same fail-closed rules as the built-ins."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from jpt_redact import registry
from jpt_redact.cli.main import cli
from jpt_redact.exporters.formats.base import Exporter, JsonExporter, JsonlExporter, TextExporter
from jpt_redact.redactor import Redactor

NOTE = "Patient Alice Smith from Springfield, email alice@example.com.\n"
REDACTED = "Patient <PERSON> from <CITY>, email <EMAIL>.\n"


def run(args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


@pytest.fixture
def result(fake_engine, test_policy):
    return Redactor(test_policy, engine=fake_engine).redact(NOTE)


@pytest.mark.parametrize("name, cls, suffix, streaming", [
    ("text", TextExporter, "", False),
    ("json", JsonExporter, ".json", False),
    ("jsonl", JsonlExporter, "", True),
])
def test_builtins_register_through_entry_points(name, cls, suffix, streaming):
    assert registry.exporters.get(name) is cls
    (info,) = [i for i in registry.exporters.info() if i.name == name]
    assert info.source.startswith("entry-point") and info.target.endswith(cls.__name__)
    assert (cls.suffix, cls.streaming) == (suffix, streaming)


@pytest.mark.parametrize("cls, check", [
    (TextExporter, lambda out: out == REDACTED),
    (JsonExporter, lambda out: json.loads(out)["text"] == REDACTED and out.endswith("\n") and "\n  " in out),
    (JsonlExporter, lambda out: out.count("\n") == 1 and json.loads(out)["id"] == "doc-1"),
])
def test_builtin_renders_hold_the_redacted_text_and_never_a_value(result, cls, check):
    out = cls().render(result, "doc-1")
    assert check(out)
    assert "Alice" not in out and "alice@example.com" not in out


class UpperExporter(Exporter):
    suffix = ".up"

    def render(self, result, document_id):
        return result.text.upper()


class CsvFindingsExporter(Exporter):
    streaming = True

    def render(self, result, document_id):
        return "".join(f"{document_id},{f.span.label},{f.span.start},{f.span.end}\n" for f in result.findings)


class BrokenExporter(Exporter):
    def render(self, result, document_id):
        raise RuntimeError(f"cannot render {result.text}")


class NotTextExporter(Exporter):
    def render(self, result, document_id):
        return b"bytes"


@pytest.fixture
def plugin_formats():
    names = {"upper": UpperExporter, "csv-findings": CsvFindingsExporter, "broken": BrokenExporter,
             "not-text": NotTextExporter}
    for name, cls in names.items():
        registry.exporters.register(name, cls)
    yield
    for name in names:
        registry.exporters.unregister(name)


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text(NOTE, encoding="utf-8")
    (src / "sub" / "b.txt").write_text("Carol moved to Paris.\n", encoding="utf-8")
    return src


def test_a_plugin_format_for_one_file_and_a_directory(cli_engine, policy_file, plugin_formats, notes, tmp_path):
    one = run([notes / "a.txt", "-p", policy_file, "--format", "upper"])
    assert one.exit_code == 0, one.output
    assert one.stdout == REDACTED.upper()
    out = tmp_path / "out"
    many = run([notes, "-p", policy_file, "--format", "upper", "--out-dir", out, "-q"])
    assert many.exit_code == 0, many.output
    assert (out / "a.txt.up").read_text() == REDACTED.upper()
    assert (out / "sub" / "b.txt.up").read_text() == "<PERSON> MOVED TO <CITY>.\n"


def test_a_streaming_plugin_format_writes_one_stream(cli_engine, policy_file, plugin_formats, notes, tmp_path):
    out = tmp_path / "findings.csv"
    done = run([notes, "-p", policy_file, "--format", "csv-findings", "-o", out, "-q"])
    assert done.exit_code == 0, done.output
    rows = out.read_text().splitlines()
    assert "a.txt,PERSON,8,19" in rows and any(r.startswith("sub/b.txt,CITY,") for r in rows)
    refused = run([notes, "-p", policy_file, "--format", "csv-findings", "--out-dir", tmp_path / "d"])
    assert refused.exit_code == 2 and "--format csv-findings writes one stream" in refused.stderr


@pytest.mark.parametrize("name", ["broken", "not-text"])
def test_a_failing_plugin_format_writes_nothing_and_names_itself_not_the_text(cli_engine, policy_file, plugin_formats,
                                                                             notes, tmp_path, name):
    out = tmp_path / "one.txt"
    one = run([notes / "a.txt", "-p", policy_file, "--format", name, "-o", out])
    assert one.exit_code != 0 and not out.exists()
    assert "exporter" in one.stderr and "Traceback" not in one.output and "Alice" not in one.output
    many = run([notes, "-p", policy_file, "--format", name, "--out-dir", tmp_path / "d"])
    assert many.exit_code != 0 and not list((tmp_path / "d").rglob("*.txt"))
    assert "Alice" not in many.output and "redacted 0 of 2 files" in many.stderr


def test_an_unknown_format_is_a_usage_error_listing_the_installed_ones(cli_engine, policy_file, notes):
    done = run([notes / "a.txt", "-p", policy_file, "--format", "yaml"])
    assert done.exit_code == 2 and "Traceback" not in done.output
    assert "unknown exporter 'yaml'" in done.stderr and "json, jsonl, text" in done.stderr


def test_plugins_lists_the_formats():
    listed = json.loads(run(["plugins", "--json"]).stdout)
    assert {("exporter", n) for n in ("text", "json", "jsonl")} <= {(p["kind"], p["name"]) for p in listed}
