"""What the acceptance metric counts against jpt-redact: its predictions not on gold PII.

    python benchmarks/false_positives.py [--limit 200] [--policy default] [--top 40] [--json OUT]

On quality.py's dev documents (the same sets, the same skip of the calibration documents), each
prediction that `acceptance_counts` would count and find off PII (less than half of its
non-space characters gold PII of a judged label) is listed with its label and text, grouped by
label, most frequent first, with the share of each label in the set's false positives. Public
dev corpora only (WNUT17, MultiCoNER II, the synthetic generator), so the text is printed.
"""
from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=200, help="documents per dataset")
    ap.add_argument("--skip", type=int, default=300, help="dev documents left out (calibration set), as quality.py")
    ap.add_argument("--policy", default="default")
    ap.add_argument("--top", type=int, default=40, help="texts shown per set")
    ap.add_argument("--json", help="also write every false positive here")
    args = ap.parse_args(argv)

    from jpt_redact.evaluate import gold_positions, solid_positions
    from quality import coarse, datasets, jpt_system

    run = jpt_system(args.policy, 32)
    report = {}
    for name, gold in datasets(args.limit, args.skip, args.policy).items():
        judged = {coarse(lab) for ex in gold for _, _, lab in ex.spans} - {None}
        preds = run([ex.text for ex in gold])
        wrong, counted = [], 0
        for ex, pred in zip(gold, preds):
            gold_pos = gold_positions(ex.text, [sp for sp in ex.spans if coarse(sp[2])])
            for s, e, label in pred:
                if coarse(label) not in judged:
                    continue
                counted += 1
                solid = solid_positions(ex.text, s, e)
                if not solid or 2 * sum(p in gold_pos for p in solid) < len(solid):
                    wrong.append((label, ex.text[s:e]))
        by_label = collections.Counter(label for label, _ in wrong)
        texts = collections.Counter(f"{label}  {text!r}" for label, text in wrong)
        print(f"\n{name}: {len(wrong)} of {counted} counted predictions off PII "
              f"(entity precision {1 - len(wrong) / max(counted, 1):.3f}); by label: "
              + ", ".join(f"{k} {v} ({v / max(len(wrong), 1):.0%})" for k, v in by_label.most_common()))
        for text, n in texts.most_common(args.top):
            print(f"  {n:3d}  {text}")
        report[name] = {"counted": counted, "false_positives": [{"label": lab, "text": t} for lab, t in wrong]}
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
