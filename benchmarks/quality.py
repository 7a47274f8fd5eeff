"""jpt-redact vs Presidio's stock analyzer on the same dev documents, in one run.

    python benchmarks/quality.py --limit 200 [--json] [--policy default]

Datasets: a held-aside split of our synthetic data (split by template family, never
trained on), WNUT17 dev and MultiCoNER II dev (lowercased). Labels of both systems and of
the gold data are mapped to coarse PII classes (PERSON, LOCATION, ORGANIZATION, DATE,
CONTACT, ID, SECRET, ...); gold types that are not personal data (products, creative works,
diseases...) are ignored. Reported per system and dataset: overlap precision/recall/F1/F2
(micro), entity precision (a prediction counts when >= 50% of it covers gold PII of any
type) and character recall (1 - leak rate: share of gold PII characters left visible).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

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
    "NRP": None,
    # WNUT17 raw labels
    "person": "PERSON", "location": "LOCATION", "corporation": "ORGANIZATION", "group": "ORGANIZATION",
    "product": None, "creative-work": None,
}
MULTICONER = {
    **{k: "PERSON" for k in ("Artist", "Athlete", "Politician", "Scientist", "Cleric", "SportsManager", "OtherPER")},
    **{k: "LOCATION" for k in ("Facility", "HumanSettlement", "Station", "OtherLOC")},
    **{k: "ORGANIZATION" for k in ("MusicalGRP", "PublicCorp", "PrivateCorp", "AerospaceManufacturer", "SportsGRP",
                                   "CarManufacturer", "ORG", "TechCORP")},
}


def coarse(label: str):
    if label in COARSE:
        return COARSE[label]
    if label in MULTICONER:
        return MULTICONER[label]
    return None  # not personal data (products, works, diseases...) or unknown


def datasets(limit: int):
    from jpt_redact.train.data import load_corpus
    from jpt_redact.train.synth import generate

    yield "synthetic-dev", generate(limit, seed=2024, split="dev")
    yield "wnut17-dev", load_corpus("wnut17", "dev")[:limit]
    yield "multiconer2-dev", load_corpus("multiconer2", "dev")[:limit]


def run_jpt(policy: str, texts: list[str]):
    from jpt_redact import Redactor

    red = Redactor.from_policy(policy)
    red.analyze_many(texts[:2])  # load the model outside the timed region
    t = time.perf_counter()
    res = red.analyze_many(texts, batch_size=8)
    return [[(s.start, s.end, s.label) for s in r.spans] for r in res], time.perf_counter() - t


def presidio_analyzer():
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": "en_core_web_sm"}]}).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def run_presidio(analyzer, texts: list[str]):
    analyzer.analyze(text="warm up John Smith", language="en")
    t = time.perf_counter()
    out = [[(r.start, r.end, r.entity_type) for r in analyzer.analyze(text=x, language="en")] for x in texts]
    return out, time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=200, help="documents per dataset")
    ap.add_argument("--policy", default="default")
    ap.add_argument("--no-presidio", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)

    from jpt_redact.evaluate import evaluate

    analyzer = None if args.no_presidio else presidio_analyzer()
    label_map = _LabelMap()
    results = {}
    for name, gold in datasets(args.limit):
        texts = [g.text for g in gold]
        chars = sum(map(len, texts))
        systems = {"jpt-redact": run_jpt(args.policy, texts)}
        if analyzer is not None:
            systems["presidio"] = run_presidio(analyzer, texts)
        results[name] = {}
        for sys_name, (preds, seconds) in systems.items():
            rep = evaluate(gold, preds, label_map=label_map).to_dict()
            micro = rep["micro"]["overlap"]
            results[name][sys_name] = {
                "docs": len(texts), "chars_per_s": round(chars / seconds, 1), "docs_per_s": round(len(texts) / seconds, 2),
                "entity_precision": round(rep["entity_precision"], 4), "char_recall": round(rep["char_recall"], 4),
                "overlap": micro,
            }
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for name, systems in results.items():
            print(f"\n{name}")
            print(f"  {'system':<12} {'P(overlap)':>10} {'R(overlap)':>10} {'F2':>6} {'ent.prec':>9} {'char rec':>9} {'docs/s':>7}")
            for sys_name, r in systems.items():
                o = r["overlap"]
                print(f"  {sys_name:<12} {o.get('precision', 0):>10.3f} {o.get('recall', 0):>10.3f} {o.get('f2', 0):>6.3f} "
                      f"{r['entity_precision']:>9.3f} {r['char_recall']:>9.3f} {r['docs_per_s']:>7.2f}")
    return 0


class _LabelMap(dict):
    """A mapping that sends every label through coarse()."""

    def get(self, key, default=None):
        return coarse(key)

    def __getitem__(self, key):
        return coarse(key)

    def __contains__(self, key):
        return True


if __name__ == "__main__":
    sys.exit(main())
