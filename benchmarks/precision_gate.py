"""The quality gate for a lower precision: char recall and entity precision within 0.5 point.

    python benchmarks/precision_gate.py [--candidate bf16] [--limit 100] [--policy default] [--json OUT]

Runs the policy (what `jpt-redact analyze` runs: model, recognizers, resolver) on the torch
backend twice, at fp32 and at the candidate precision (`backend_options.torch_precision`), over
the dev sets of benchmarks/quality.py (synthetic held-aside families, WNUT17 and MultiCoNER II
dev beyond the calibration documents), and reports both and the differences in points. The
gate passes when, on every set, neither char recall nor entity precision is more than
`--budget` points (default 0.5) below fp32. `runtime/cpu.py AUTO_BF16` may only be true after a
recorded pass (docs/benchmarks.md, Speed). The host's CPU flags are printed with the result:
a pass on one CPU says nothing about bf16 emulated elsewhere.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from quality import datasets, score


def run_policy(policy, texts: list[str], batch_size: int) -> tuple[list[list[tuple]], float]:
    from jpt_redact import Redactor

    red = Redactor(policy)
    red.analyze_many(texts[:2], batch_size=batch_size)  # load and warm up outside the timing
    t = time.perf_counter()
    out = [[(s.start, s.end, s.label) for s in r.spans] for r in red.analyze_many(texts, batch_size=batch_size)]
    return out, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--candidate", default="bf16", help="torch_precision to gate against fp32")
    ap.add_argument("--policy", default="default")
    ap.add_argument("--limit", type=int, default=100, help="documents per dev set")
    ap.add_argument("--skip", type=int, default=300, help="WNUT17/MultiCoNER dev documents left out (calibration)")
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--budget", type=float, default=0.5, help="points of recall/precision the candidate may lose")
    ap.add_argument("--json", default=None, help="also write the result here")
    args = ap.parse_args(argv)
    from jpt_redact.policy import load_policy
    from jpt_redact.runtime.cpu import cpu_features

    base = load_policy(args.policy)
    policies = {p: base.with_model(backend="torch", backend_options={**base.model.backend_options,
                                                                     "torch_precision": p})
                for p in ("fp32", args.candidate)}
    result = {"cpu": cpu_features().describe(), "candidate": args.candidate, "budget_points": args.budget, "sets": {}}
    passed = True
    for name, gold in datasets(args.limit, args.skip, args.policy).items():
        texts = [g.text for g in gold]
        row = {}
        for precision, policy in policies.items():
            preds, seconds = run_policy(policy, texts, args.batch_size)
            row[precision] = {**score(gold, preds), "chars_per_s": round(sum(map(len, texts)) / seconds, 1)}
        ref, cand = row["fp32"], row[args.candidate]
        d_rec = 100 * (cand["char_recall"] - ref["char_recall"])
        d_prec = 100 * (cand["entity_precision"] - ref["entity_precision"])
        ok = d_rec >= -args.budget and d_prec >= -args.budget
        passed &= ok
        row.update(delta_char_recall_points=round(d_rec, 2), delta_entity_precision_points=round(d_prec, 2), passed=ok)
        result["sets"][name] = row
        print(f"{name:16s} fp32 P {ref['entity_precision']:.4f} R {ref['char_recall']:.4f} | {args.candidate} P "
              f"{cand['entity_precision']:.4f} R {cand['char_recall']:.4f} | dP {d_prec:+.2f} dR {d_rec:+.2f} points "
              f"| chars/s {ref['chars_per_s']:.0f} vs {cand['chars_per_s']:.0f} | {'ok' if ok else 'FAIL'}", flush=True)
    result["passed"] = passed
    print(f"gate ({args.candidate} vs fp32, budget {args.budget} points): {'PASSED' if passed else 'FAILED'} "
          f"on CPU {result['cpu']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
