#!/usr/bin/env bash
# Measure a newly trained default model against the one it replaces, all with repo scripts:
#   bash benchmarks/evaluate_default.sh NEW_CHECKPOINT OLD_CHECKPOINT OUT_DIR
# NEW_CHECKPOINT is any checkpoint directory (a training run's output); nothing is installed.
# 1. refit per-type thresholds on the calibration sets (calibrate_default.sh, LIMIT docs each)
#    into OUT_DIR/default-new.yaml (comments kept: copy it over policies/default.yaml to ship);
# 2. quality.py (jpt-redact with the refitted policy, side by side with Presidio) for the new
#    model, and the old model with the policy it shipped with (--no-presidio);
# 3. zero_shot.py (held-out corpora and in-domain dev, model only) for both.
# Sizes are set by LIMIT (calibration), QLIMIT (quality) and ZLIMIT (zero-shot); ZTHRESHOLDS are
# the zero-shot thresholds (one is chosen on the in-domain corpora). SKIP_OLD=1 leaves out step 2
# and 3 for the old model (its figures from an earlier run of this script stand in).
set -euo pipefail
cd "$(dirname "$0")/.."
new="$1"; old="$2"; out="$3"
mkdir -p "$out"
with_checkpoint() {  # policy file -> copy whose model uses checkpoint $2
  python3 - "$1" "$2" "$3" <<'PY'
import sys, yaml
src, ckpt, dst = sys.argv[1:]
doc = yaml.safe_load(open(src))
doc.setdefault("model", {})["checkpoint"] = ckpt
yaml.safe_dump(doc, open(dst, "w"), sort_keys=False, allow_unicode=True)
PY
}
with_checkpoint policies/default.yaml "$(realpath "$old")" "$out/default-old.yaml"
CHECKPOINT="$(realpath "$new")" LIMIT="${LIMIT:-150}" bash benchmarks/calibrate_default.sh "$out/default-new.yaml" 2>&1 | tee "$out/calibrate.log"
with_checkpoint "$out/default-new.yaml" "$(realpath "$new")" "$out/default-new-checkpoint.yaml"
python3 benchmarks/quality.py --limit "${QLIMIT:-100}" --policy "$out/default-new-checkpoint.yaml" 2>&1 | tee "$out/quality-new.txt"
python3 benchmarks/zero_shot.py --limit "${ZLIMIT:-25}" --thresholds "${ZTHRESHOLDS:-0.3,0.4,0.5}" --checkpoint "$new" --json "$out/zero-shot-new.json" 2>&1 | tee "$out/zero-shot-new.txt"
[ "${SKIP_OLD:-0}" = 1 ] && exit 0
python3 benchmarks/quality.py --limit "${QLIMIT:-100}" --policy "$out/default-old.yaml" --no-presidio 2>&1 | tee "$out/quality-old.txt"
python3 benchmarks/zero_shot.py --limit "${ZLIMIT:-25}" --thresholds "${ZTHRESHOLDS:-0.3,0.4,0.5}" --checkpoint "$old" --json "$out/zero-shot-old.json" 2>&1 | tee "$out/zero-shot-old.txt"
