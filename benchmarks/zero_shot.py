"""Types never seen in training vs in-domain types: strict span F1 with definitions only.

    python benchmarks/zero_shot.py [--checkpoint DIR] [--limit 200] [--corpora a,b] [--json OUT]

For each corpus, the dev split is read, its raw labels are mapped to canonical labels, and a
policy is built in memory whose types are exactly that corpus's labels, each with its primary
definition from `jpt_redact/train/definitions/<corpus>.yaml` (the form docs/policies.md
teaches). Only the model runs (no pattern recognizers), through the same Redactor the CLI
uses. Reported per corpus: strict (exact span and label) micro P/R/F1 and overlap F1, plus
how many of its labels the checkpoint saw in training ("unseen" = none of the corpus's
canonical labels occurs in the training run's type sets, read from the checkpoint config).

Held-out corpora (the config's `holdout_corpora`) measure zero-shot transfer: whole corpora
and their types never trained on. In-domain corpora (dev splits of training sources) give the
comparison figure.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DEFAULT_HOLDOUT = ("stackoverflow", "wlp")
DEFAULT_IN_DOMAIN = ("multiconer2", "wnut17", "btc")


def corpus_policy(corpus: str, checkpoint: str | None, threshold: float):
    from jpt_redact.policy import Policy
    from jpt_redact.train.label_defs import load_corpus_definitions

    cd = load_corpus_definitions()[corpus]
    entities = {}
    for ld in cd.labels.values():
        entities.setdefault(ld.label, {"definition": ld.definition, "threshold": threshold})
    policy = Policy.model_validate({
        "name": f"zero-shot-{corpus}", "model": {"checkpoint": checkpoint} if checkpoint else {},
        "entities": entities,
    })
    return policy, {raw: ld.label for raw, ld in cd.labels.items()}


def run_corpus(corpus: str, checkpoint: str | None, limit: int, threshold: float) -> dict:
    from jpt_redact.evaluate import evaluate
    from jpt_redact.redactor import Redactor
    from jpt_redact.train.corpora import load_corpus
    from jpt_redact.data import Example

    policy, mapping = corpus_policy(corpus, checkpoint, threshold)
    split = "dev"
    gold = load_corpus(corpus, "dev")
    if not gold:
        split, gold = "train", load_corpus(corpus, "train")
    gold = [Example(ex.text, [(s, e, mapping[lab]) for s, e, lab in ex.spans if lab in mapping], source=corpus)
            for ex in gold[:limit]]
    redactor = Redactor(policy)  # the in-memory policy names no recognizers: the model alone
    t0 = time.time()
    results = redactor.analyze_many([ex.text for ex in gold])
    seconds = time.time() - t0
    preds = [[(f.start, f.end, f.label) for f in r.spans] for r in results]
    report = evaluate(gold, preds)
    m = report.micro
    return {"corpus": corpus, "split": split, "documents": len(gold), "types": len(policy.entities),
            "strict_p": m.strict.precision, "strict_r": m.strict.recall, "strict_f1": m.strict.f1,
            "overlap_f1": m.overlap.f1, "seconds": round(seconds, 1)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped model)")
    ap.add_argument("--corpora", default=",".join(DEFAULT_HOLDOUT), help="held-out corpora, comma-separated")
    ap.add_argument("--in-domain", default=",".join(DEFAULT_IN_DOMAIN), help="training corpora for comparison")
    ap.add_argument("--limit", type=int, default=200, help="dev documents per corpus")
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--json", default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    from jpt_redact.model.checkpoint import load_checkpoint_config

    _, ck = load_checkpoint_config(args.checkpoint)
    trained = set(ck.training.get("labels_trained", []))
    rows = []
    for kind, names in (("held-out", args.corpora), ("in-domain", args.in_domain)):
        for corpus in filter(None, names.split(",")):
            row = run_corpus(corpus, args.checkpoint, args.limit, args.threshold)
            if trained:
                _, mapping = corpus_policy(corpus, args.checkpoint, args.threshold)
                row["labels_seen_in_training"] = len(set(mapping.values()) & trained)
            row["kind"] = kind
            rows.append(row)
            print(f"{kind:9s} {corpus:16s} docs {row['documents']:4d} types {row['types']:3d}  strict P "
                  f"{row['strict_p']:.3f} R {row['strict_r']:.3f} F1 {row['strict_f1']:.3f}  overlap F1 "
                  f"{row['overlap_f1']:.3f}  ({row['seconds']} s)", flush=True)
    for kind in ("held-out", "in-domain"):
        f1s = [r["strict_f1"] for r in rows if r["kind"] == kind]
        if f1s:
            print(f"mean strict F1 {kind}: {100 * sum(f1s) / len(f1s):.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
