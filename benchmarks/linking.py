"""Mention linking: the share of documents whose placeholders group the mentions as people would.

    python benchmarks/linking.py                       # gold mention spans, the default policy
    python benchmarks/linking.py --no-linking          # the same, numbering by value (the baseline)
    python benchmarks/linking.py --spans model         # spans from the real model (slow: loads it)

Data: benchmarks/data/linking.jsonl, 40 short documents written for this benchmark (chats,
clinical notes, emails, CSV rows, tickets), each with its mentions of people, organisations and
places (character offsets) and which entity each one names. The last few ('hard-*') are cases
the rules of jpt_redact/linking.py do not claim to solve (nicknames, aliases, one first name for
two people); they stay in the score.

A document counts as right when the numbered placeholders of the default policy's PERSON,
ORGANIZATION and LOCATION types (<PERSON_1>, <ORGANIZATION_2>, ...; numbered here for all three)
partition its mentions exactly as the gold entities do. With `--spans gold` the mentions are given to the pipeline as the model's spans (so this
measures linking alone); with `--spans model` the real model finds them, and a document also
needs every gold mention found: a finding overlapping at least half of it (detection and
linking together).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from jpt_redact.findings import Span
from jpt_redact.keys import KeyProvider
from jpt_redact.policy import ActionSpec, Policy, load_policy
from jpt_redact.redactor import Redactor

DATA = Path(__file__).parent / "data" / "linking.jsonl"
LABELS = {"person": "PERSON", "organization": "ORGANIZATION", "place": "LOCATION"}


class GoldSpans:
    """An engine that 'finds' exactly the gold mentions: linking measured without detection errors."""

    model_id = "gold-mentions"
    backend_name = "gold"

    def __init__(self, docs: list[dict]) -> None:
        self._by_text = {d["text"]: d for d in docs}

    def score(self, texts, types, *, batch_size=None):
        return [_Fixed([Span(m["start"], m["end"], LABELS[m["kind"]], 0.99) for m in self._by_text[t]["mentions"]])
                for t in texts]


class _Fixed:
    def __init__(self, spans: list[Span]) -> None:
        self._spans = spans

    def spans(self, thresholds, *, nested=False, span_extension=1.0):
        return list(self._spans)


def without_linking(policy: Policy) -> Policy:
    entities = {label: et.model_copy(update={"value": et.value.model_copy(update={"link": None})})
                for label, et in policy.entities.items()}
    return policy.model_copy(update={"entities": entities})


def grouping(pairs: list[tuple[tuple[int, int], str]]) -> set[frozenset]:
    groups: dict[str, set] = {}
    for key, group in pairs:
        groups.setdefault(group, set()).add(key)
    return {frozenset(g) for g in groups.values()}


def numbered(policy: Policy) -> Policy:
    """The policy's person, organisation and place types only (no pattern claims a mention's
    characters), each replaced by a numbered placeholder, so that the grouping can be read off."""
    action = ActionSpec(type="replace", params={"numbered": True})
    entities = {label: et.model_copy(update={"action": action})
                for label, et in policy.entities.items() if label in LABELS.values()}
    return policy.model_copy(update={"entities": entities})


def _covering(key: tuple[int, int], findings) -> str | None:
    """The placeholder of the finding that is this mention: overlapping it by half its length or more
    (whole_values.py may drop a final '.', as in 'B.N.')."""
    start, end = key
    for f in findings:
        if min(end, f.span.end) - max(start, f.span.start) >= max(1, (end - start) / 2):
            return f.replacement
    return None


def evaluate(docs: list[dict], policy: Policy, engine) -> list[dict]:
    policy = numbered(policy)
    redactor = Redactor(policy, engine=engine, keys=KeyProvider.none())
    results = redactor.redact_many([d["text"] for d in docs])
    out = []
    for doc, result in zip(docs, results):
        gold = [((m["start"], m["end"]), f'{m["kind"]}:{m["entity"]}') for m in doc["mentions"]]
        placeholder = {key: _covering(key, result.findings) for key, _ in gold}
        missing = [key for key, value in placeholder.items() if value is None]
        exact = sum((f.span.start, f.span.end) in placeholder for f in result.findings)
        right = not missing and grouping([(k, placeholder[k]) for k, _ in gold]) == grouping(gold)
        out.append({"id": doc["id"], "right": right, "missing": len(missing), "exact": exact, "mentions": len(gold)})
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spans", choices=("gold", "model"), default="gold")
    ap.add_argument("--no-linking", action="store_true", help="number by value (the behaviour before linking)")
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    args = ap.parse_args(argv)
    docs = [json.loads(line) for line in args.data.read_text(encoding="utf-8").splitlines() if line.strip()]
    policy = load_policy("default")
    if args.no_linking:
        policy = without_linking(policy)
    engine = GoldSpans(docs) if args.spans == "gold" else None
    rows = evaluate(docs, policy, engine)
    right = sum(r["right"] for r in rows)
    mentions = sum(r["mentions"] for r in rows)
    found = mentions - sum(r["missing"] for r in rows)
    exact = sum(r["exact"] for r in rows)
    summary = {"documents": len(rows), "right": right, "share": round(right / len(rows), 3), "spans": args.spans,
               "linking": not args.no_linking, "mentions": mentions, "mentions_found": found, "mentions_exact": exact,
               "wrong": [r["id"] for r in rows if not r["right"]]}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(f"linking={'off' if args.no_linking else 'on'} spans={args.spans}: {right}/{len(rows)} documents "
              f"grouped exactly ({summary['share']:.1%}); mentions found {found}/{mentions} ({exact} with exact boundaries)")
        for doc_id in summary["wrong"]:
            print(f"  wrong: {doc_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
