"""Identifier schemes given only as definitions: never-trained schemes vs trained ones, and Presidio.

    python benchmarks/id_schemes.py [--checkpoint DIR] [--docs 150] [--thresholds 0.3,0.4,0.5]
                                    [--no-presidio] [--definition primary|title-embedding] [--confusions]
                                    [--json OUT]

Documents come from `jpt_redact.train.synth.id_numbers` (python-stdnum schemes, values that pass
each scheme's check digits). Two sets, each with its own type list in the prompt:

- **held out**: the schemes of `HELD_OUT_COUNTRIES` (Brazil, India, Poland, South Africa,
  Korea, Turkey), never in any training type set: a user's own identifier written as a
  definition, the zero-shot case;
- **trained**: as many training schemes (a fixed sample), fresh documents (a seed training
  never used). Our own templates on both sides: this measures typing by definition, not text
  the generator has not written.

Reported per set and threshold: strict (exact span and label) and untyped (exact span, any
label) P/R/F1, and char recall with entity precision as the acceptance figures count them.
Presidio (stock AnalyzerEngine, its predefined recognizers) is scored untyped on the same
documents: it has recognizers for a few of these schemes (IN_AADHAAR, IN_PAN, PL_PESEL, ...).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def scheme_sets(n_trained: int | None = None):
    from jpt_redact.train.synth.id_numbers import schemes

    held = list(schemes(held_out=True))
    trained = random.Random(11).sample(list(schemes()), n_trained or len(held))
    return {"held-out": held, "trained": trained}


def documents(chosen, n: int, seed: int):
    """`n` documents over exactly `chosen` schemes (one or two values each)."""
    from jpt_redact.data import Example
    from jpt_redact.train.synth.id_numbers import draw_document

    rng = random.Random(f"id-schemes-benchmark:{seed}")
    out = []
    while len(out) < n:
        ex = draw_document(rng, chosen)
        if ex is not None:
            out.append(Example(ex.text, ex.spans, None, "id-schemes"))
    return out


def policy_for(chosen, checkpoint: str | None, threshold: float, definition: str = "primary"):
    from jpt_redact.policy import Policy
    from jpt_redact.train.synth.id_numbers import definitions

    def entity(s):
        primary, *_, title = definitions(s)
        if definition == "title-embedding":  # the encoder embeds the title, the prompt shows the primary
            return {"definition": title, "prompt_definition": primary}
        return {"definition": primary}

    entities = {s.label: {**entity(s), "threshold": threshold} for s in chosen}
    return Policy.model_validate({"name": "id-schemes", "model": {"checkpoint": checkpoint} if checkpoint else {},
                                  "entities": entities})


def untyped(examples):
    from jpt_redact.data import Example

    return [Example(ex.text, [(s, e, "ANY") for s, e, _ in ex.spans], source=ex.source) for ex in examples]


def confusions(gold, preds, top: int = 5) -> list[list]:
    """The commonest (gold, predicted) type pairs among predictions overlapping a gold value."""
    from collections import Counter

    pairs: Counter = Counter()
    for ex, p in zip(gold, preds):
        for s, e, lab in ex.spans:
            hit = next((q for ps, pe, q, *_ in p if ps < e and s < pe), None)
            pairs[(lab, hit or "-")] += 1
    return [[g, q, n] for (g, q), n in pairs.most_common(top)]


def row(name: str, set_name: str, gold, preds, threshold=None, seconds=None) -> dict:
    from jpt_redact.evaluate import evaluate

    strict = evaluate(gold, preds)
    anyl = evaluate(untyped(gold), [[(s, e, "ANY") for s, e, *_ in p] for p in preds])
    return {"system": name, "set": set_name, "threshold": threshold, "documents": len(gold),
            "strict_p": strict.micro.strict.precision, "strict_r": strict.micro.strict.recall,
            "strict_f1": strict.micro.strict.f1, "untyped_f1": anyl.micro.strict.f1,
            "char_recall": strict.char_recall, "entity_precision": strict.entity_precision, "seconds": seconds,
            "confusions": confusions(gold, preds)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped model)")
    ap.add_argument("--docs", type=int, default=150, help="documents per set")
    ap.add_argument("--thresholds", default="0.3,0.4,0.5")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--definition", choices=("primary", "title-embedding"), default="primary",
                    help="primary definitions in both channels, or the scheme's title line embedded "
                         "(the primary still in the prompt): see docs/training.md on the two channels")
    ap.add_argument("--confusions", action="store_true",
                    help="print the commonest (gold, predicted) type pairs of each row ('-': not found)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)
    from jpt_redact.detector import Detector

    thresholds = [float(t) for t in args.thresholds.split(",") if t.strip()]
    rows = []
    presidio = None
    if not args.no_presidio:
        from presidio_compare import presidio_stock

        presidio = presidio_stock(8)
    for set_name, chosen in scheme_sets().items():
        gold = documents(chosen, args.docs, seed=3 if set_name == "held-out" else 4)
        policy = policy_for(chosen, args.checkpoint, thresholds[0], args.definition)
        detector = Detector(policy)  # the model alone: the in-memory policy names no recognizers
        t0 = time.time()
        found = detector.candidates([ex.text for ex in gold])
        seconds = round(time.time() - t0, 1)
        for t in thresholds:
            preds = [[(f.start, f.end, f.label) for f in detector.resolve(c, {lab: t for lab in policy.entities})]
                     for c in found]
            rows.append(row("jpt-redact", set_name, gold, preds, t, seconds))
        if presidio is not None:
            t0 = time.time()
            preds = presidio([ex.text for ex in gold])
            rows.append(row("presidio", set_name, gold, preds, None, round(time.time() - t0, 1)))
        for r in rows:
            if r["set"] == set_name:
                thr = f"{r['threshold']:.2f}" if r["threshold"] is not None else "  - "
                strict = f"{r['strict_f1']:.3f}" if r["system"] == "jpt-redact" else "  -  "
                print(f"{set_name:8s} {len(chosen):3d} types  {r['system']:10s} thr {thr}  strict F1 {strict}  "
                      f"untyped F1 {r['untyped_f1']:.3f}  char recall {r['char_recall']:.3f}  entity precision "
                      f"{r['entity_precision']:.3f}  ({r['seconds']} s)", flush=True)
                if args.confusions and r["system"] == "jpt-redact":
                    print("          gold -> predicted x n: " + ", ".join(f"{g} -> {q} x{n}" for g, q, n in r["confusions"]))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
