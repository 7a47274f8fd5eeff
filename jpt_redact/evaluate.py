"""Evaluation metrics for span predictions against gold examples.

Two span-matching regimes, per type and micro-averaged over all spans:

- strict: a prediction is correct when start, end and label all equal a gold span's;
- overlap: a prediction is correct when it overlaps (shares at least one character with) a gold
  span of the same label; a gold span is found when some same-label prediction overlaps it.
  Precision counts matched predictions, recall matched gold spans (not a one-to-one matching).

Two label-agnostic redaction metrics, which matter more for PII than exact boundaries:

- entity precision: share of predicted spans whose non-whitespace characters are at least 50%
  covered by gold spans of any label (a prediction on real PII, even with the wrong type);
- char recall: share of gold entity characters (whitespace ignored) covered by any predicted
  span, whatever its label; leak rate = 1 - char recall.

F2 weighs recall twice as much as precision, the usual view for redaction. A ratio with a zero
denominator is reported as 0.0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Collection, Iterable, Mapping, Sequence

from .errors import DataError

SpanTuple = tuple[int, int, str]


def _ratio(a: float, b: float) -> float:
    return a / b if b else 0.0


def f_beta(p: float, r: float, beta: float) -> float:
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r) if (p + r) > 0 else 0.0


@dataclass
class Scores:
    """Counts and derived scores for one matching regime and one type (or micro)."""

    n_pred: int = 0
    n_gold: int = 0
    matched_pred: int = 0  # predictions counted correct
    matched_gold: int = 0  # gold spans found

    @property
    def precision(self) -> float:
        return _ratio(self.matched_pred, self.n_pred)

    @property
    def recall(self) -> float:
        return _ratio(self.matched_gold, self.n_gold)

    @property
    def f1(self) -> float:
        return f_beta(self.precision, self.recall, 1.0)

    @property
    def f2(self) -> float:
        return f_beta(self.precision, self.recall, 2.0)

    def add(self, other: "Scores") -> None:
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold
        self.matched_pred += other.matched_pred
        self.matched_gold += other.matched_gold

    def to_dict(self) -> dict[str, Any]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "f2": round(self.f2, 4), "n_pred": self.n_pred, "n_gold": self.n_gold,
                "matched_pred": self.matched_pred, "matched_gold": self.matched_gold}


@dataclass
class TypeReport:
    strict: Scores = field(default_factory=Scores)
    overlap: Scores = field(default_factory=Scores)

    def to_dict(self) -> dict[str, Any]:
        return {"strict": self.strict.to_dict(), "overlap": self.overlap.to_dict()}


@dataclass
class EvalReport:
    per_type: dict[str, TypeReport]
    micro: TypeReport
    n_docs: int
    pred_on_pii: int  # predictions >= 50% covered by gold PII of any label
    n_pred: int
    gold_chars: int  # non-whitespace gold entity characters
    covered_chars: int  # ... of which covered by some prediction

    @property
    def entity_precision(self) -> float:
        return _ratio(self.pred_on_pii, self.n_pred)

    @property
    def char_recall(self) -> float:
        return _ratio(self.covered_chars, self.gold_chars) if self.gold_chars else 1.0

    @property
    def leak_rate(self) -> float:
        return 1.0 - self.char_recall

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_docs": self.n_docs,
            "micro": self.micro.to_dict(),
            "per_type": {k: v.to_dict() for k, v in sorted(self.per_type.items())},
            "entity_precision": round(self.entity_precision, 4),
            "char_recall": round(self.char_recall, 4),
            "leak_rate": round(self.leak_rate, 4),
            "n_pred": self.n_pred,
            "gold_chars": self.gold_chars,
            "covered_chars": self.covered_chars,
        }


def _as_span(obj: Any, where: str) -> SpanTuple:
    if isinstance(obj, (tuple, list)):
        if len(obj) < 3:
            raise DataError(f"{where}: a predicted span needs (start, end, label)")
        s, e, lab = obj[0], obj[1], obj[2]
    elif isinstance(obj, Mapping):
        s, e = obj.get("start"), obj.get("end")
        lab = obj.get("label", obj.get("entity_type"))
    else:
        s, e, lab = getattr(obj, "start", None), getattr(obj, "end", None), getattr(obj, "label", None)
    if not isinstance(s, int) or not isinstance(e, int) or lab is None:
        raise DataError(f"{where}: cannot read a span (start, end, label)")
    return int(s), int(e), str(lab)


def _map(spans: Iterable[SpanTuple], label_map: Mapping[str, str | None] | None) -> list[SpanTuple]:
    if not label_map:
        return list(spans)
    out = []
    for s, e, lab in spans:
        mapped = label_map.get(lab, lab)
        if mapped:
            out.append((s, e, mapped))
    return out


def solid_positions(text: str, s: int, e: int) -> list[int]:
    """Character positions in [s, e) that are not whitespace."""
    return [i for i in range(s, e) if not text[i].isspace()]


def gold_positions(text: str, spans: Iterable[SpanTuple]) -> set[int]:
    """Non-whitespace character positions covered by any of the gold spans."""
    return {p for s, e, _ in spans for p in solid_positions(text, s, e)}


def acceptance_counts(text: str, gold_pos: Collection[int], pred: Iterable[SpanTuple],
                      judged: Collection[str] | None = None) -> tuple[int, int, int]:
    """Label-agnostic counts for one document: (predictions counted, of which on PII, gold
    characters covered). A prediction is on PII when at least half of its non-space characters
    are gold PII of any label. Predictions whose label is not in `judged` (when given) still
    cover characters but are not counted: a corpus only judges the labels it annotates."""
    predicted: set[int] = set()
    counted = on_pii = 0
    for s, e, lab in pred:
        solid = solid_positions(text, s, e)
        predicted.update(solid)
        if judged is not None and lab not in judged:
            continue
        counted += 1
        if solid and 2 * sum(p in gold_pos for p in solid) >= len(solid):
            on_pii += 1
    return counted, on_pii, len(predicted.intersection(gold_pos))


def evaluate(gold: Sequence[Any], pred: Sequence[Iterable[Any]], *,
             label_map: Mapping[str, str | None] | None = None) -> EvalReport:
    """Score predicted spans against gold Examples (one prediction list per example).

    Predicted spans may be (start, end, label[, score]) tuples, `Span` objects or dicts.
    `label_map` renames labels on both sides before matching (e.g. {"PER": "PERSON"}); a label
    mapped to None or "" is ignored on both sides.
    """
    if len(gold) != len(pred):
        raise DataError(f"{len(gold)} gold examples but {len(pred)} prediction lists")
    per_type: dict[str, TypeReport] = {}
    micro = TypeReport()
    pred_on_pii = n_pred_total = gold_chars = covered_chars = 0

    def tr(label: str) -> TypeReport:
        return per_type.setdefault(label, TypeReport())

    for i, (ex, preds) in enumerate(zip(gold, pred)):
        text = ex.text
        g_spans = _map(ex.spans, label_map)
        p_spans = _map((_as_span(p, f"prediction {i}") for p in preds), label_map)
        for s, e, _ in p_spans:
            if not (0 <= s < e <= len(text)):
                raise DataError(f"prediction {i}: span {s}..{e} is outside the text (length {len(text)})")
        g_set, p_set = set(g_spans), set(p_spans)
        for s, e, lab in g_set:
            t = tr(lab)
            t.strict.n_gold += 1
            t.overlap.n_gold += 1
            if (s, e, lab) in p_set:
                t.strict.matched_gold += 1
            if any(lab == pl and s < pe and ps < e for ps, pe, pl in p_set):
                t.overlap.matched_gold += 1
        for s, e, lab in p_set:
            t = tr(lab)
            t.strict.n_pred += 1
            t.overlap.n_pred += 1
            if (s, e, lab) in g_set:
                t.strict.matched_pred += 1
            if any(lab == gl and s < ge and gs < e for gs, ge, gl in g_set):
                t.overlap.matched_pred += 1
        gold_pos = gold_positions(text, g_set)
        counted, on_pii, covered = acceptance_counts(text, gold_pos, p_set)
        n_pred_total += counted
        pred_on_pii += on_pii
        gold_chars += len(gold_pos)
        covered_chars += covered

    for t in per_type.values():
        micro.strict.add(t.strict)
        micro.overlap.add(t.overlap)
    return EvalReport(per_type=per_type, micro=micro, n_docs=len(gold), pred_on_pii=pred_on_pii, n_pred=n_pred_total,
                      gold_chars=gold_chars, covered_chars=covered_chars)


def render_table(report: EvalReport, *, title: str = "Evaluation", plain: bool = False) -> str:
    """The report as a table (rich when available and not `plain`), returned as a string."""
    header = ["type", "gold", "pred", "P", "R", "F1", "F2", "P~", "R~", "F1~", "F2~"]
    rows = []
    for name, t in sorted(report.per_type.items()) + [("micro", report.micro)]:
        s, o = t.strict, t.overlap
        rows.append([name, str(s.n_gold), str(s.n_pred)] + [f"{x:.3f}" for x in (s.precision, s.recall, s.f1, s.f2,
                                                                                  o.precision, o.recall, o.f1, o.f2)])
    footer = (f"docs {report.n_docs} | entity precision {report.entity_precision:.3f} | char recall "
              f"{report.char_recall:.3f} | leak rate {report.leak_rate:.3f}  (~ = overlap match)")
    if not plain:
        try:
            import io

            from rich.console import Console
            from rich.table import Table
        except ImportError:  # pragma: no cover - rich is a dependency, but keep a plain fallback
            plain = True
        else:
            table = Table(title=title, caption=footer)
            for h in header:
                table.add_column(h, justify="left" if h == "type" else "right")
            for r in rows:
                table.add_row(*r, end_section=r[0] == "micro")
            buf = io.StringIO()
            Console(file=buf, width=120, color_system=None, force_terminal=False).print(table)
            return buf.getvalue()
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = lambda cells: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
    return "\n".join([title, line(header), *(line(r) for r in rows), footer]) + "\n"
