"""Per-type threshold calibration (jpt_redact.calibrate) and `jpt-redact calibrate`."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

from jpt_redact.calibrate import DEFAULT_GRID, calibrate, policy_with_thresholds
from jpt_redact.engine.jpt import TokenScores
from jpt_redact.model.prompt import TokenizedText
from jpt_redact.errors import DataError
from jpt_redact.policy import BUILTIN_POLICIES, load_policy, parse_policy
from jpt_redact.redactor import Redactor
from jpt_redact.data import Example

# word -> {label: probability}; other words score 0.01 for every label
SCORES = {
    "Alice": {"PERSON": 0.8},   # a true name, confidently found
    "fine": {"PERSON": 0.6},    # an ordinary word the model wrongly half-believes
    "Paris": {"CITY": 0.35},    # a true city the model is unsure of
    "Lyon": {"CITY": 0.4},
}


class ScoringEngine:
    """Whitespace tokens with fixed per-word probabilities, decoded by the real TokenScores."""

    model_id = "fake:scoring"
    backend_name = "fake"

    def __init__(self):
        self.calls = 0

    def score(self, texts, types, *, batch_size=None):
        self.calls += 1
        labels = list(types)
        out = []
        for text in texts:
            offsets = tuple(m.span() for m in re.finditer(r"\S+", text))
            probs = np.full((len(offsets), len(labels)), 0.01, dtype=np.float32)
            for i, (s, e) in enumerate(offsets):
                for lab, p in SCORES.get(text[s:e].strip(".,"), {}).items():
                    if lab in labels:
                        probs[i, labels.index(lab)] = p
            out.append(TokenScores(text, TokenizedText(tuple(range(len(offsets))), offsets), probs, labels))
        return out


def _example(text: str, *gold: tuple[str, str]) -> Example:
    spans = []
    for word, label in gold:
        start = text.index(word)
        spans.append((start, start + len(word), label))
    return Example(text=text, spans=spans)


DEV = [
    _example("Alice is fine today.", ("Alice", "PERSON")),
    _example("We flew to Paris and Lyon.", ("Paris", "CITY"), ("Lyon", "CITY")),
    _example("All fine here, Alice wrote from Paris.", ("Alice", "PERSON"), ("Paris", "CITY")),
]


@pytest.fixture
def redactor(test_policy):
    return Redactor(test_policy, engine=ScoringEngine())


def test_calibration_raises_a_noisy_type_and_lowers_a_timid_one(redactor):
    result = calibrate(redactor, {"dev": DEV})
    assert 0.6 < result.thresholds["PERSON"] <= 0.8  # drops "fine" (0.6), keeps "Alice" (0.8)
    assert result.thresholds["CITY"] <= 0.35  # finds Paris (0.35) and Lyon (0.4)
    assert result.before.entity_precision < 1.0 and result.before.char_recall < 1.0
    assert result.after.entity_precision == pytest.approx(1.0)
    assert result.after.char_recall == pytest.approx(1.0)
    assert set(result.thresholds) == {"PERSON", "CITY"}  # EMAIL is pattern-only: nothing to fit
    assert all(t in DEFAULT_GRID for t in result.thresholds.values())
    assert redactor.engine.calls == 1  # the model runs once; the search reuses its scores


def test_a_dataset_only_judges_the_types_it_annotates(redactor):
    # This dataset annotates cities only: PERSON predictions are not charged against it.
    cities_only = [_example("Alice is fine in Paris.", ("Paris", "CITY"))]
    result = calibrate(redactor, {"cities": cities_only})
    after = result.per_dataset["cities"]["after"]
    assert after.n_pred == 1 and after.entity_precision == 1.0


def test_calibrated_thresholds_reproduce_the_reported_metrics_in_production(redactor, test_policy):
    result = calibrate(redactor, {"dev": DEV})
    tuned = test_policy.model_copy(update={"entities": {
        k: e.model_copy(update={"threshold": result.thresholds.get(k)}) for k, e in test_policy.entities.items()}})
    analyses = Redactor(tuned, engine=ScoringEngine()).analyze_many([e.text for e in DEV])
    found = [{ex.text[s.start:s.end] for s in a.spans} for ex, a in zip(DEV, analyses)]
    assert found == [{"Alice"}, {"Paris", "Lyon"}, {"Alice", "Paris"}]


@pytest.mark.parametrize("extension", [1.0, 0.5])
def test_calibration_decodes_as_production_does(test_policy, extension):
    # Whatever the thresholds, the spans calibration scores are the Redactor's spans.
    policy = test_policy.with_model(span_extension=extension)
    detector = Redactor(policy, engine=ScoringEngine()).detector
    found = detector.candidates([e.text for e in DEV])
    for thresholds in ({"PERSON": 0.3, "CITY": 0.3}, {"PERSON": 0.65, "CITY": 0.38}, {"PERSON": 0.9, "CITY": 0.9}):
        tuned = policy.model_copy(update={"entities": {
            k: e.model_copy(update={"threshold": thresholds.get(k)}) for k, e in policy.entities.items()}})
        production = Redactor(tuned, engine=ScoringEngine()).analyze_many([e.text for e in DEV])
        assert [detector.resolve(f, thresholds) for f in found] == [a.spans for a in production]


def test_calibration_needs_model_types_and_examples(redactor, test_policy):
    with pytest.raises(DataError, match="no examples"):
        calibrate(redactor, {"dev": []})
    patterns_only = test_policy.model_copy(update={"entities": {"EMAIL": test_policy.entities["EMAIL"]}})
    with pytest.raises(DataError, match="nothing to calibrate"):
        calibrate(Redactor(patterns_only, engine=ScoringEngine()), {"dev": DEV})


# -- writing thresholds into the policy text ------------------------------------------------------
POLICY_TEXT = """\
# a comment that must survive
name: p
entities:
  PERSON:
    definition: >-
      Names of people,
      on two lines.
    action: replace   # trailing comment
  CITY:
    definition: "Names of cities."
    threshold: 0.5
    recognizers: []
  LAST:
    definition: "Last type, at the end of the file."
audit:
  enabled: false
"""


def test_policy_with_thresholds_inserts_and_replaces_keeping_comments():
    text = policy_with_thresholds(POLICY_TEXT, {"PERSON": 0.35, "CITY": 0.7, "LAST": 0.45})
    assert "# a comment that must survive" in text and "action: replace   # trailing comment" in text
    policy = parse_policy(text)
    assert (policy.threshold_for("PERSON"), policy.threshold_for("CITY"), policy.threshold_for("LAST")) == (0.35, 0.7, 0.45)
    assert text.count("threshold:") == 3
    # the inserted line sits right after the folded definition, not inside it
    assert policy.entities["PERSON"].definition == "Names of people, on two lines."
    assert policy_with_thresholds(text, {"PERSON": 0.35, "CITY": 0.7, "LAST": 0.45}) == text  # idempotent


def test_policy_with_thresholds_rejects_unknown_types():
    with pytest.raises(DataError, match="NOPE"):
        policy_with_thresholds(POLICY_TEXT, {"NOPE": 0.5})


def test_shipped_policies_accept_threshold_rewrites():
    from pathlib import Path

    for name in BUILTIN_POLICIES:
        policy = load_policy(name)
        labels = list(policy.model_types())
        text = policy_with_thresholds(Path(policy.source).read_text(encoding="utf-8"), {k: 0.55 for k in labels})
        rewritten = parse_policy(text)
        assert all(rewritten.threshold_for(k) == 0.55 for k in labels)
        assert rewritten.model_dump(exclude={"entities"}) == policy.model_dump(exclude={"entities"})


# -- CLI -------------------------------------------------------------------------------------------
@pytest.fixture
def dev_file(tmp_path):
    path = tmp_path / "dev.jsonl"
    path.write_text("".join(json.dumps({"text": e.text, "spans": [
        {"start": s, "end": t, "label": lab} for s, t, lab in e.spans]}) + "\n" for e in DEV), encoding="utf-8")
    return path


@pytest.fixture
def scoring_cli(cli_engine):
    cli_engine["engine"] = ScoringEngine()
    return cli_engine


def test_cli_calibrate_writes_a_tuned_copy_of_the_policy(scoring_cli, policy_file, dev_file, tmp_path):
    from jpt_redact.cli.main import cli

    out = tmp_path / "tuned.yaml"
    original = policy_file.read_text()
    res = CliRunner().invoke(cli, ["calibrate", "--data", str(dev_file), "-p", str(policy_file), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "thresholds:" in res.output and "PERSON=0.5->" in res.output
    assert policy_file.read_text() == original
    tuned = load_policy(out)
    assert tuned.threshold_for("PERSON") > 0.6 and tuned.threshold_for("CITY") <= 0.35


def test_cli_calibrate_json_and_refusals(scoring_cli, policy_file, dev_file, tmp_path):
    from jpt_redact.cli.main import cli

    res = CliRunner().invoke(cli, ["calibrate", "--data", str(dev_file), "-p", str(policy_file), "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["after"]["char_recall"] == 1.0 and set(data["per_dataset"]) == {"dev.jsonl"}

    res = CliRunner().invoke(cli, ["calibrate", "--data", str(dev_file), "-p", str(policy_file), "-o", str(policy_file)])
    assert res.exit_code != 0 and "refusing to overwrite" in res.output

    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    res = CliRunner().invoke(cli, ["calibrate", "--data", str(empty), "-p", str(policy_file)])
    assert res.exit_code != 0 and res.output.startswith("Error:") and "Traceback" not in res.output


def test_a_failing_model_is_a_detection_error_without_text(test_policy):
    from conftest import FailingEngine

    from jpt_redact.errors import DetectionError

    with pytest.raises(DetectionError) as info:
        calibrate(Redactor(test_policy, engine=FailingEngine()), {"dev": DEV})
    assert "RuntimeError" in str(info.value) and "Alice" not in str(info.value)
