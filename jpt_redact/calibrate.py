"""Per-type model thresholds fitted on labelled dev data.

The model's scores are not equally sharp for every type: a name is found at 0.4, while an
"IP address" guess at 0.6 is usually a port number. `calibrate` runs the model once over the
dev texts, then searches one threshold per model type (coordinate ascent over a grid, a few
rounds) for the best F-beta of the two acceptance metrics, both label-agnostic:

- entity precision: share of reported spans of which at least half covers gold PII;
- character recall: share of gold PII characters (not whitespace) that end up redacted.

Detection is the production path itself: the policy's Detector (detector.py) runs the model
and the recognizers once per document, and every trial threshold set is turned into final
spans by that same Detector (decoding with the policy's span extension and `nested`,
`model_requires`, the resolver), so the thresholds are fitted to the whole pipeline, not the
model alone, and mean exactly what they mean when redacting.

A dataset only judges the types it annotates: predictions whose label never occurs in a
dataset's gold spans are left out of that dataset's precision (a tweet corpus that marks
only people and places does not penalise a date the model redacts).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .detector import Candidates, Detector, ModelFailure
from .errors import DataError, DetectionError, JPTRedactError
from .evaluate import acceptance_counts, f_beta, gold_positions
from .policy import LABEL_PATTERN
from .redactor import DEFAULT_DOCS_PER_CALL

if TYPE_CHECKING:  # pragma: no cover
    from .data import Example
    from .redactor import Redactor

# 0.30 .. 0.70: in exploratory runs wider grids fitted a few hundred dev documents' quirks (a
# type switched off at 0.9, another opened at 0.2) and did worse on held-out data than none
DEFAULT_GRID = tuple(round(0.3 + 0.05 * i, 2) for i in range(9))
DEFAULT_MIN_GAIN = 0.002


@dataclass
class Metrics:
    entity_precision: float
    char_recall: float
    n_pred: int
    gold_chars: int
    beta: float

    @property
    def f(self) -> float:
        return f_beta(self.entity_precision, self.char_recall, self.beta)

    def to_dict(self) -> dict[str, float]:
        return {"entity_precision": round(self.entity_precision, 4), "char_recall": round(self.char_recall, 4),
                f"f{self.beta:g}": round(self.f, 4), "predictions": self.n_pred, "gold_chars": self.gold_chars}


@dataclass
class CalibrationResult:
    thresholds: dict[str, float]
    before: Metrics
    after: Metrics
    per_dataset: dict[str, dict[str, Metrics]] = field(default_factory=dict)  # name -> {"before", "after"}

    def to_dict(self) -> dict[str, Any]:
        return {
            "thresholds": self.thresholds,
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
            "per_dataset": {n: {k: m.to_dict() for k, m in d.items()} for n, d in self.per_dataset.items()},
        }


@dataclass
class _Doc:
    found: Candidates  # what the model and the recognizers proposed, before thresholds
    gold_positions: frozenset[int]
    judged: frozenset[str] | None  # labels this document's dataset annotates (None: all)


def _map_gold(example: "Example", label_map: Mapping[str, str | None] | None) -> list[tuple[int, int, str]]:
    out = []
    for s, e, lab in example.spans:
        lab = label_map.get(lab, lab) if label_map else lab
        if lab:
            out.append((s, e, lab))
    return out


def _prepare(detector: Detector, datasets: Mapping[str, Sequence["Example"]], label_map,
             docs_per_call: int) -> dict[str, list[_Doc]]:
    prepared: dict[str, list[_Doc]] = {}
    for name, examples in datasets.items():
        golds = [_map_gold(ex, label_map) for ex in examples]
        judged = frozenset(lab for g in golds for _, _, lab in g)
        texts = [ex.text for ex in examples]
        found = [c for lo in range(0, len(texts), docs_per_call) for c in detector.candidates(texts[lo:lo + docs_per_call])]
        prepared[name] = [_Doc(c, frozenset(gold_positions(c.text, g)), judged) for c, g in zip(found, golds)]
    return prepared


def _measure(docs: Iterable[_Doc], detector: Detector, thresholds: Mapping[str, float], beta: float) -> Metrics:
    n_pred = n_ok = gold = covered = 0
    for d in docs:
        found = ((s.start, s.end, s.label) for s in detector.resolve(d.found, thresholds))
        counted, on_pii, hit = acceptance_counts(d.found.text, d.gold_positions, found, d.judged)
        n_pred, n_ok, covered = n_pred + counted, n_ok + on_pii, covered + hit
        gold += len(d.gold_positions)
    return Metrics(n_ok / n_pred if n_pred else 1.0, covered / gold if gold else 1.0, n_pred, gold, beta)


def _snap_to_grid(value: float, grid: Sequence[float]) -> float:
    return min(grid, key=lambda g: abs(g - value))


def calibrate(
    detector: "Detector | Redactor",
    datasets: Mapping[str, Sequence["Example"]],
    *,
    label_map: Mapping[str, str | None] | None = None,
    beta: float = 1.0,
    grid: Sequence[float] = DEFAULT_GRID,
    rounds: int = 3,
    min_gain: float = DEFAULT_MIN_GAIN,
    batch_size: int | None = None,
) -> CalibrationResult:
    """Fit one threshold per model type of the policy on gold-labelled datasets.

    detector: the policy's Detector, or a Redactor (its detector is used).
    datasets: name -> examples whose labels are the policy's (after `label_map`).
    beta: weight of character recall against entity precision in the objective.
    min_gain: smallest gain of the objective (mean F-beta over datasets) worth a move.
    batch_size: documents per model call (default 32).
    """
    detector = getattr(detector, "detector", detector)
    policy = detector.policy
    labels = list(policy.model_types())
    if not labels:
        raise DataError("the policy has no model types: there is nothing to calibrate")
    if not any(datasets.values()):
        raise DataError("no examples to calibrate on")
    grid = sorted(set(grid))
    try:
        prepared = _prepare(detector, datasets, label_map, batch_size or DEFAULT_DOCS_PER_CALL)
        start = {lab: _snap_to_grid(policy.threshold_for(lab), grid) for lab in labels}
        current = search_thresholds(list(prepared.values()), detector, start, grid, beta=beta, rounds=rounds,
                                    min_gain=min_gain)
        docs = [d for ds in prepared.values() for d in ds]
        per_dataset = {
            name: {"before": _measure(ds, detector, start, beta), "after": _measure(ds, detector, current, beta)}
            for name, ds in prepared.items()
        }
        before, after = _measure(docs, detector, start, beta), _measure(docs, detector, current, beta)
    except ModelFailure as exc:  # JPTRedactError messages are PII-free; others may quote text
        detail = str(exc.cause) if isinstance(exc.cause, JPTRedactError) else type(exc.cause).__name__
        raise DetectionError(f"calibration: the model failed ({detail})", reason=f"model: {detail}") from exc.cause
    return CalibrationResult(current, before, after, per_dataset)


def search_thresholds(datasets: Sequence[Sequence[_Doc]], detector: Detector, start: Mapping[str, float],
                      grid: Sequence[float], *, beta: float, rounds: int = 3, min_gain: float = 0.0) -> dict[str, float]:
    """Coordinate ascent on the mean over datasets of F-beta(entity precision, char recall).

    The mean over datasets, not one pooled score, so that a large corpus of long documents
    does not decide the thresholds alone. A move must gain at least `min_gain`: on a few
    hundred documents smaller gains are mostly noise, and each needless move away from the
    starting threshold risks fitting the dev set's quirks.
    """
    def objective(thr: Mapping[str, float]) -> float:
        return sum(_measure(ds, detector, thr, beta).f for ds in datasets) / len(datasets)

    current = dict(start)
    best = objective(current)
    for _ in range(rounds):
        improved = False
        for lab in current:
            for t in grid:
                if t == current[lab]:
                    continue
                trial = {**current, lab: t}
                score = objective(trial)
                if score > best + max(min_gain, 1e-9):
                    best, current, improved = score, trial, True
        if not improved:
            break
    return current


def policy_with_thresholds(yaml_text: str, thresholds: Mapping[str, float]) -> str:
    """The policy YAML text with each listed type's `threshold:` set, comments and layout kept.

    An existing `threshold:` line of the type is replaced; otherwise one is added right after
    the type's definition. Entity blocks are the two-space-indented keys under `entities:`.
    """
    lines = yaml_text.split("\n")
    heads: list[tuple[int, str]] = []
    in_entities = False
    for n, line in enumerate(lines):
        if re.match(r"^entities:\s*$", line):
            in_entities = True
        elif in_entities and re.match(r"^[^\s#]", line):
            heads.append((n, ""))  # end of the entities mapping
            in_entities = False
        elif in_entities and (m := re.match(rf"^  ({LABEL_PATTERN}):\s*$", line)):
            heads.append((n, m.group(1)))
    heads.append((len(lines), ""))
    edits: dict[int, tuple[str, str]] = {}  # line -> ("replace" | "after", text)
    for (start, label), (end, _) in zip(heads, heads[1:]):
        if label not in thresholds:
            continue
        new = f"    threshold: {thresholds[label]:g}"
        block = range(start + 1, end)
        existing = [n for n in block if re.match(r"^    threshold:", lines[n])]
        if existing:
            edits[existing[0]] = ("replace", new)
            continue
        definition = next((n for n in block if re.match(r"^    definition:", lines[n])), None)
        if definition is None:
            raise DataError(f"policy text: entity {label} has no definition line")
        last = definition
        while last + 1 < end and (lines[last + 1].startswith("      ") or lines[last + 1].startswith("\t")):
            last += 1
        edits[last] = ("after", new)
    missing = set(thresholds) - {lab for _, lab in heads}
    if missing:
        raise DataError(f"policy text has no entity block for: {', '.join(sorted(missing))}")
    out: list[str] = []
    for n, line in enumerate(lines):
        kind, text = edits.get(n, ("", ""))
        out.append(text if kind == "replace" else line)
        if kind == "after":
            out.append(text)
    return "\n".join(out)
