"""`jpt-redact batch` with the real default model (slow: loads the backbone), local engine,
a few records: the model's findings and the patterns' are gone, and the run verifies."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner


def _model_available() -> bool:
    from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT

    return (Path(DEFAULT_CHECKPOINT) / "config.json").is_file()


pytestmark = [pytest.mark.slow, pytest.mark.skipif(not _model_available(), reason="default model not shipped")]

RECORDS = [
    {"id": "a", "text": "Hi, this is Jordan Lee (jordan.lee@example.com), please call me back.", "queue": "billing"},
    {"id": "b", "text": "Card 5555 5555 5555 4444 was declined twice today.", "queue": "cards"},
    {"id": "c", "text": "The printer on floor 3 is jammed again.", "queue": "it"},
]
PLANTED = ("Jordan Lee", "jordan.lee@example.com", "5555 5555 5555 4444")


def test_batch_with_the_real_model(tmp_path):
    from jpt_redact.batch import verify_batch
    from jpt_redact.cli.main import cli

    src = tmp_path / "tickets.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["batch", str(src), str(out), "-p", "default", "--shard-size", "2", "-q"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(x) for k in (0, 1) for x in (out / f"tickets.part-{k:05d}.jsonl").read_text().splitlines()]
    assert [(r["id"], r["queue"]) for r in rows] == [("a", "billing"), ("b", "cards"), ("c", "it")]
    text = " ".join(r["text"] for r in rows)
    assert not any(v in text for v in PLANTED), text
    assert rows[2]["text"] == RECORDS[2]["text"]  # nothing to redact: unchanged
    assert verify_batch(out).ok
    model_ids = {json.loads(p.read_text())["model_id"] for p in (out / "shards").glob("*.json")}
    assert len(model_ids) == 1 and model_ids.pop().startswith("jpt:")
