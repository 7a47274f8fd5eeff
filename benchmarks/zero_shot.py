"""Types never seen in training vs in-domain types: strict span F1 with definitions only.

    python benchmarks/zero_shot.py [--checkpoint DIR] [--limit 200] [--corpora a,b]
                                   [--thresholds 0.3,0.4,0.5] [--json OUT]

For each corpus, the dev split is read, its raw labels are mapped to canonical labels, and a
policy is built in memory whose types are exactly that corpus's labels, each with its primary
definition from `jpt_redact/train/definitions/<corpus>.yaml` (the form docs/policies.md
teaches). Only the model runs (no pattern recognizers), through the Detector the CLI's
Redactor uses; it runs once per corpus and spans are decoded at each `--thresholds` value (a
threshold is chosen on the in-domain corpora, never on the held-out ones). Reported per
corpus: strict (exact span and label) micro P/R/F1, overlap F1, untyped F1 (exact span, any
label: whether the spans were found, whatever type they were given), plus how many of its
labels the checkpoint saw in training (read from the checkpoint config). `--definition
shortest` uses each label's shortest paraphrase instead of its primary definition
(`short-prompt` / `short-embedding`: in that channel only, the primary in the other);
`positive-embedding` embeds the primary definition without its exclusion sentences,
`labelled-embedding` the label's words before it ("record label: ..."). `--distractors N`
adds N unrelated types to every prompt; `--confusions` prints the commonest wrong types.

Held-out corpora (the config's `holdout_corpora`) measure zero-shot transfer: whole corpora
and their types never trained on. `re_docred_roles_heldout` is the one in the sealed sets'
domain (Wikipedia; awards, record labels, parties, legislatures, characters, waters); its gold
tags only entities that take part in a relation of their role, so its precision is a lower
bound and its figures compare models, not systems. In-domain corpora (dev splits of training sources) give the
comparison figure.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

DEFAULT_HOLDOUT = ("stackoverflow", "wlp", "re_docred_roles_heldout")
DEFAULT_IN_DOMAIN = ("multiconer2", "wnut17", "btc")


# Distractor types come from domains far from the test corpora (anatomy, gene regulation, cell
# biology): a prediction of one is a false positive, and the question is whether a longer type
# list alone, none of it plausible in the text, changes what the corpus's own types find.
DISTRACTOR_CORPORA = ("gro", "anatem", "anem", "cellfinder")


def distractor_types(n: int, exclude: set[str]) -> list[tuple[str, str]]:
    import random

    from jpt_redact.train.label_defs import load_corpus_definitions

    defs = load_corpus_definitions()
    pool = sorted({(ld.label, ld.definition) for c in DISTRACTOR_CORPORA for ld in defs[c].labels.values()
                   if ld.label not in exclude})
    return random.Random(7).sample(pool, min(n, len(pool)))


def corpus_policy(corpus: str, checkpoint: str | None, threshold: float, distractors: int = 0,
                  definition: str = "primary"):
    from jpt_redact.model.definition_forms import gist, positive_part
    from jpt_redact.policy import Policy
    from jpt_redact.train.label_defs import load_corpus_definitions

    cd = load_corpus_definitions()[corpus]
    entities = {}
    for ld in cd.labels.values():
        shortest = min(ld.definitions, key=len)
        entity = {"primary": {"definition": ld.definition},
                  "shortest": {"definition": shortest},
                  # one channel each: the encoder embeds `definition`, the prompt shows `prompt_definition`
                  "short-prompt": {"definition": ld.definition, "prompt_definition": shortest},
                  "short-embedding": {"definition": shortest, "prompt_definition": ld.definition},
                  "positive-embedding": {"definition": positive_part(ld.definition),
                                         "prompt_definition": ld.definition},
                  "gist-embedding": {"definition": gist(ld.definition), "prompt_definition": ld.definition},
                  # the label's words lead the embedded text ("record label: A company ..."): the
                  # encoder knows what a record label is; training never embedded labels
                  "labelled-embedding": {"definition": f"{ld.label.replace('_', ' ').lower()}: {ld.definition}",
                                         "prompt_definition": ld.definition}}[definition]
        entities.setdefault(ld.label, {**entity, "threshold": threshold})
    for label, distractor in distractor_types(distractors, set(entities)) if distractors else ():
        entities.setdefault(label, {"definition": distractor, "threshold": threshold})
    policy = Policy.model_validate({
        "name": f"zero-shot-{corpus}", "model": {"checkpoint": checkpoint} if checkpoint else {},
        "entities": entities,
    })
    return policy, {raw: ld.label for raw, ld in cd.labels.items()}


def run_corpus(corpus: str, checkpoint: str | None, limit: int, thresholds: list[float],
               distractors: int = 0, definition: str = "primary") -> list[dict]:
    """One row per threshold: the model runs once, spans are decoded at each threshold."""
    from jpt_redact.data import Example
    from jpt_redact.detector import Detector
    from jpt_redact.evaluate import evaluate
    from jpt_redact.train.corpora import load_corpus

    policy, mapping = corpus_policy(corpus, checkpoint, thresholds[0], distractors, definition)
    split = "dev"
    gold = load_corpus(corpus, "dev")
    if not gold:
        split, gold = "train", load_corpus(corpus, "train")
    gold = [Example(ex.text, [(s, e, mapping[lab]) for s, e, lab in ex.spans if lab in mapping], source=corpus)
            for ex in gold[:limit]]
    detector = Detector(policy)  # the in-memory policy names no recognizers: the model alone
    t0 = time.time()
    found = detector.candidates([ex.text for ex in gold])
    seconds = time.time() - t0
    # the same spans with every label made one: separates "found the span" from "named its type"
    untyped_gold = [Example(ex.text, [(s, e, "ANY") for s, e, _ in ex.spans], source=corpus) for ex in gold]
    rows = []
    for t in thresholds:
        at = {label: t for label in policy.entities}
        preds = [[(f.start, f.end, f.label) for f in detector.resolve(c, at)] for c in found]
        m = evaluate(gold, preds).micro
        untyped = evaluate(untyped_gold, [[(s, e, "ANY") for s, e, _ in p] for p in preds]).micro
        confused: Counter = Counter()  # exact-boundary matches that got another type: (gold, predicted)
        for ex, p in zip(gold, preds):
            by_span = {(s, e): lab for s, e, lab in p}
            confused.update((lab, by_span[(s, e)]) for s, e, lab in ex.spans if by_span.get((s, e), lab) != lab)
        rows.append({"corpus": corpus, "split": split, "documents": len(gold), "types": len(policy.entities),
                     "threshold": t, "strict_p": m.strict.precision, "strict_r": m.strict.recall,
                     "strict_f1": m.strict.f1, "overlap_f1": m.overlap.f1, "untyped_f1": untyped.strict.f1,
                     "confusions": [[g, q, n] for (g, q), n in confused.most_common(5)],
                     "seconds": round(seconds, 1)})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped model)")
    ap.add_argument("--corpora", default=",".join(DEFAULT_HOLDOUT), help="held-out corpora, comma-separated")
    ap.add_argument("--in-domain", default=",".join(DEFAULT_IN_DOMAIN), help="training corpora for comparison")
    ap.add_argument("--limit", type=int, default=200, help="dev documents per corpus")
    ap.add_argument("--thresholds", default="0.5",
                    help="comma-separated global thresholds; the model runs once per corpus. With several, "
                         "the one with the best in-domain mean is also applied to the held-out corpora")
    ap.add_argument("--distractors", type=int, default=0,
                    help="add this many unrelated types (anatomy, gene regulation) to every prompt: does a "
                         "longer type list alone hurt the corpus's own types?")
    ap.add_argument("--definition", choices=("primary", "shortest", "short-prompt", "short-embedding", "positive-embedding",
                                                 "gist-embedding", "labelled-embedding"),
                    default="primary",
                    help="which of each label's definitions the policy uses: the primary (Appendix-D "
                         "style: inclusions, exclusions, examples), its shortest paraphrase, or the "
                         "shortest in one channel only (prompt or embedding) and the primary in the other")
    ap.add_argument("--confusions", action="store_true",
                    help="print the commonest (gold, predicted) type pairs among exact-boundary matches")
    ap.add_argument("--json", default=None, help="also write the rows as JSON here")
    args = ap.parse_args(argv)
    from jpt_redact.model.checkpoint import load_checkpoint_config

    thresholds = [float(t) for t in args.thresholds.split(",") if t.strip()]
    _, ck = load_checkpoint_config(args.checkpoint)
    trained = set(ck.training.get("labels_trained", []))
    rows = []
    for kind, names in (("held-out", args.corpora), ("in-domain", args.in_domain)):
        for corpus in filter(None, names.split(",")):
            seen = None
            if trained:
                _, mapping = corpus_policy(corpus, args.checkpoint, thresholds[0])
                seen = len(set(mapping.values()) & trained)
            for row in run_corpus(corpus, args.checkpoint, args.limit, thresholds, args.distractors,
                                  args.definition):
                row["definition"] = args.definition
                if seen is not None:
                    row["labels_seen_in_training"] = seen
                row["kind"] = kind
                rows.append(row)
                print(f"{kind:9s} {corpus:16s} docs {row['documents']:4d} types {row['types']:3d} thr "
                      f"{row['threshold']:.2f}  strict P {row['strict_p']:.3f} R {row['strict_r']:.3f} F1 "
                      f"{row['strict_f1']:.3f}  overlap F1 {row['overlap_f1']:.3f}  untyped F1 "
                      f"{row['untyped_f1']:.3f}  ({row['seconds']} s)", flush=True)
                if args.confusions and row["confusions"]:
                    print("          right span, other type (gold -> predicted x n): " + ", ".join(
                        f"{g} -> {q} x{n}" for g, q, n in row["confusions"]), flush=True)

    def mean_f1(kind: str, t: float) -> float | None:
        f1s = [r["strict_f1"] for r in rows if r["kind"] == kind and r["threshold"] == t]
        return 100 * sum(f1s) / len(f1s) if f1s else None

    for t in thresholds:
        for kind in ("held-out", "in-domain"):
            m = mean_f1(kind, t)
            if m is not None:
                print(f"mean strict F1 {kind} at {t:.2f}: {m:.1f}")
    in_domain = [(mean_f1("in-domain", t), t) for t in thresholds if mean_f1("in-domain", t) is not None]
    if len(thresholds) > 1 and in_domain:
        best = max(in_domain)[1]
        held = mean_f1("held-out", best)
        if held is not None:
            print(f"threshold chosen on in-domain: {best:.2f}; held-out mean strict F1 there: {held:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
