"""End to end through the CLI with the real shipped model (slow: loads the backbone).

Run with `python -m pytest -m slow tests/test_cli_model.py`. Skipped until the model engine
and the shipped checkpoint exist.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
NOTE = ROOT / "examples" / "documents" / "clinical_note.txt"
TICKETS = ROOT / "examples" / "tickets.jsonl"


def _model_available() -> bool:
    if importlib.util.find_spec("jpt_redact.engine.loader") is None:
        return False
    from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT

    return (Path(DEFAULT_CHECKPOINT) / "config.json").is_file()


pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _model_available(), reason="default model not shipped yet")]


def run(args):
    from jpt_redact.cli.main import cli

    return CliRunner().invoke(cli, [str(a) for a in args])


def test_redact_clinical_note_with_the_real_model():
    result = run([NOTE, "--policy", "hipaa", "--format", "json", "-q"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = data["text"]
    for value in ("432-71-8856", "kathleen.odonnell@example.com", "(319) 555-0147", "04/17/1951"):
        assert value not in text
    labels = {f["label"] for f in data["findings"]}
    assert {"US_SSN", "EMAIL_ADDRESS", "PHONE_NUMBER", "DATE"} <= labels
    # The model (not only patterns) must contribute findings, e.g. names.
    assert any(f["recognizer"] == "jpt" and f["label"] == "PERSON" for f in data["findings"])


def test_analyze_tickets_with_the_real_model(tmp_path):
    out = tmp_path / "spans.jsonl"
    result = run(["analyze", TICKETS, "--policy", "default", "-o", out, "-q"])
    assert result.exit_code == 0, result.output
    texts = {json.loads(x)["id"]: json.loads(x)["text"] for x in TICKETS.read_text().splitlines()}
    rows = [json.loads(x) for x in out.read_text().splitlines()]
    assert [r["id"] for r in rows] == list(texts)
    for row in rows:
        for span in row["spans"]:
            assert set(span) == {"start", "end", "label", "score"}
            assert 0 <= span["start"] < span["end"] <= len(texts[row["id"]])
    first = {(s["label"], texts["ticket-1001"][s["start"]:s["end"]]) for s in rows[0]["spans"]}
    assert ("EMAIL_ADDRESS", "jordan.lee@example.com") in first
