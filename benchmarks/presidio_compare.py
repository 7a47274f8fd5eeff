"""Presidio stock vs Presidio + JPT vs jpt-redact native, on the same documents, in one run.

    python benchmarks/presidio_compare.py --limit 100
    python benchmarks/presidio_compare.py --limit 20 --patterns-only --json

Corpora: our synthetic dev split (layouts never seen in training) and WNUT17 dev (tweets;
person / location / corporation / group). Systems:

- presidio:      Presidio's default analyzer configuration with the small spaCy model (NER)
                 instead of en_core_web_lg, and all its predefined recognizers. As in Presidio's
                 default NER configuration, spaCy ORG entities are not reported.
- presidio+jpt:  build_analyzer(policy): JPTRecognizer + Presidio's rule-based recognizers for
                 the policy's entities, slim spaCy NLP engine, through JPTBatchAnalyzerEngine.
- jpt-redact:    Redactor.analyze_many (the native SDK).

Labels of every side are mapped to common coarse types (COARSE below); types outside it are
ignored on both sides (gold and predictions), so no system is charged for types the others
cannot name. Precision / recall / F2 use overlap matching of same-type spans (see
jpt_redact.evaluate); strict F2 needs exact boundaries; leak rate is the share of gold PII
characters (any type in the common set) covered by no prediction. docs/s is wall time of
analysis only (models loaded and warmed up before), on whatever the machine is doing.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any, Callable

# Common coarse types: every label any side uses -> coarse type. Others are ignored.
COARSE: dict[str, str] = {
    # people and organizations
    "PERSON": "PERSON", "CARDHOLDER_NAME": "PERSON", "person": "PERSON",
    "ORGANIZATION": "ORGANIZATION", "corporation": "ORGANIZATION", "group": "ORGANIZATION",
    # places
    "LOCATION": "LOCATION", "STREET_ADDRESS": "LOCATION", "location": "LOCATION",
    # dates
    "DATE_TIME": "DATE_TIME", "DATE": "DATE_TIME", "DATE_OF_BIRTH": "DATE_TIME",
    # contact
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "FAX_NUMBER": "PHONE",
    # financial
    "CREDIT_CARD": "CREDIT_CARD", "IBAN_CODE": "IBAN",
    "ACCOUNT_NUMBER": "ACCOUNT", "BANK_ACCOUNT": "ACCOUNT", "US_BANK_NUMBER": "ACCOUNT",
    # government identifiers
    "US_SSN": "GOV_ID", "NATIONAL_ID": "GOV_ID", "PASSPORT_NUMBER": "GOV_ID", "US_PASSPORT": "GOV_ID",
    "LICENSE_NUMBER": "GOV_ID", "US_DRIVER_LICENSE": "GOV_ID", "US_ITIN": "GOV_ID", "UK_NHS": "GOV_ID",
    # network
    "IP_ADDRESS": "IP_ADDRESS", "URL": "URL",
}
WNUT_TYPES = {"PERSON", "LOCATION", "ORGANIZATION"}  # all WNUT17 annotates of the common set


def label_map(labels: set[str], keep: set[str] | None = None) -> dict[str, str | None]:
    """Map for jpt_redact.evaluate: coarse type, or None (ignored) outside the common set."""
    out: dict[str, str | None] = {}
    for lab in labels:
        coarse = COARSE.get(lab)
        out[lab] = coarse if coarse and (keep is None or coarse in keep) else None
    return out


# -- systems ---------------------------------------------------------------------------------
def presidio_stock(batch_size: int) -> Callable[[list[str]], list[list[tuple]]]:
    import yaml
    from presidio_analyzer import AnalyzerEngine, BatchAnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from jpt_redact.plugins.presidio import small_spacy_model

    model = small_spacy_model("en")
    if model is None:
        sys.exit("no small spaCy model installed: pip install 'jpt-redact[presidio]'")
    import presidio_analyzer

    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
                              supported_languages=["en"])
    batch = BatchAnalyzerEngine(analyzer)

    def run(texts: list[str]) -> list[list[tuple]]:
        results = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
        return [[(r.start, r.end, r.entity_type) for r in rs] for rs in results]

    return run


def presidio_jpt(redactor: Any, batch_size: int) -> tuple[Callable, Callable]:
    from jpt_redact.plugins.presidio import JPTBatchAnalyzerEngine, build_analyzer

    analyzer = build_analyzer(redactor, nlp_engine="auto")
    batch = JPTBatchAnalyzerEngine(analyzer, jpt_batch_size=batch_size)
    recognizer = analyzer.registry.recognizers[0]

    def run(texts: list[str]) -> list[list[tuple]]:
        results = batch.analyze_iterator(texts, language="en", batch_size=batch_size)
        return [[(r.start, r.end, r.entity_type) for r in rs] for rs in results]

    return run, recognizer.clear_cache


def native(redactor: Any, batch_size: int) -> Callable[[list[str]], list[list[tuple]]]:
    def run(texts: list[str]) -> list[list[tuple]]:
        return [[(s.start, s.end, s.label) for s in a.spans] for a in redactor.analyze_many(texts, batch_size=batch_size)]

    return run


# -- corpora ---------------------------------------------------------------------------------
def load_corpora(limit: int, seed: int, names: list[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    if "synth" in names:
        from jpt_redact.train.synth import generate

        out["synth-dev"] = generate(limit, seed=seed, split="dev")
    if "wnut17" in names:
        from jpt_redact.train.corpora import load_corpus

        out["wnut17-dev"] = load_corpus("wnut17", "dev")[:limit]
    return out


def score(gold: list[Any], preds: list[list[tuple]], keep: set[str] | None) -> dict[str, Any]:
    from jpt_redact.evaluate import evaluate

    labels = {lab for ex in gold for *_, lab in ex.spans} | {p[2] for ps in preds for p in ps}
    report = evaluate(gold, preds, label_map=label_map(labels, keep))
    m = report.micro
    return {
        "precision": round(m.overlap.precision, 4), "recall": round(m.overlap.recall, 4), "f2": round(m.overlap.f2, 4),
        "strict_f2": round(m.strict.f2, 4), "leak_rate": round(report.leak_rate, 4),
        "n_gold": m.overlap.n_gold, "n_pred": m.overlap.n_pred,
        "per_type": {k: {"p": round(v.overlap.precision, 3), "r": round(v.overlap.recall, 3), "gold": v.overlap.n_gold}
                     for k, v in sorted(report.per_type.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=100, help="documents per corpus (default 100)")
    ap.add_argument("--policy", default="default", help="jpt-redact policy (default: default)")
    ap.add_argument("--corpora", default="synth,wnut17", help="comma-separated: synth, wnut17")
    ap.add_argument("--seed", type=int, default=1234, help="seed of the synthetic documents")
    ap.add_argument("--batch-size", type=int, default=32, help="documents per model / spaCy batch")
    ap.add_argument("--checkpoint", default=None, help="JPT checkpoint directory (default: the policy's, i.e. the shipped model)")
    ap.add_argument("--patterns-only", action="store_true", help="jpt-redact without the model (no checkpoint needed)")
    ap.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = ap.parse_args(argv)
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)  # offline: it falls back to its snapshot

    from jpt_redact.policy import load_policy
    from jpt_redact.redactor import Redactor

    policy = load_policy(args.policy)
    if args.checkpoint:
        policy = policy.model_copy(update={"model": policy.model.model_copy(update={"checkpoint": args.checkpoint})})
    redactor = Redactor(policy, use_model=not args.patterns_only)
    suffix = " (patterns only)" if args.patterns_only else ""
    corpora = load_corpora(args.limit, args.seed, [c.strip() for c in args.corpora.split(",") if c.strip()])
    jpt_run, clear_cache = presidio_jpt(redactor, args.batch_size)
    systems: list[tuple[str, Callable, Callable | None]] = [
        ("presidio", presidio_stock(args.batch_size), None),
        ("presidio+jpt" + suffix, jpt_run, clear_cache),
        ("jpt-redact" + suffix, native(redactor, args.batch_size), None),
    ]
    rows = []
    for corpus, docs in corpora.items():
        texts = [ex.text for ex in docs]
        keep = WNUT_TYPES if corpus.startswith("wnut") else None
        for name, run, reset in systems:
            run(texts[:2])  # warm-up: model load, prefix cache, spaCy
            if reset is not None:
                reset()  # the warm-up must not leave cached results behind
            t0 = time.perf_counter()
            preds = run(texts)
            elapsed = time.perf_counter() - t0
            rows.append({"corpus": corpus, "system": name, "n_docs": len(texts),
                         "docs_per_s": round(len(texts) / elapsed, 2) if elapsed > 0 else None,
                         **score(docs, preds, keep)})
    meta = {"policy": redactor.policy.name, "limit": args.limit, "seed": args.seed, "batch_size": args.batch_size,
            "model_id": redactor.model_id, "command": "python benchmarks/presidio_compare.py " + " ".join(argv or sys.argv[1:])}
    if args.json:
        print(json.dumps({"meta": meta, "results": rows}, indent=2))
        return 0
    print(f"policy {meta['policy']} | model {meta['model_id']} | {args.limit} docs per corpus | seed {args.seed}")
    header = f"{'corpus':<11} {'system':<32} {'P':>6} {'R':>6} {'F2':>6} {'F2 strict':>9} {'leak':>6} {'docs/s':>8}"
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['corpus']:<11} {r['system']:<32} {r['precision']:>6.3f} {r['recall']:>6.3f} {r['f2']:>6.3f} "
              f"{r['strict_f2']:>9.3f} {r['leak_rate']:>6.3f} {r['docs_per_s']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
