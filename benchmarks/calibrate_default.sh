#!/usr/bin/env bash
# Refit the default policy's per-type thresholds for the shipped model (docs/model-card.md).
#   bash benchmarks/calibrate_default.sh [OUT.yaml]      (default: calibrated-default.yaml; LIMIT=N documents per set, default 300)
# CHECKPOINT=DIR fits the thresholds for that checkpoint instead of the shipped one (the output
# policy does not name it: it is the default policy with new thresholds, to ship with that model).
# Calibration data: 300 synthetic documents of the held-aside template families (seed 202;
# benchmarks/quality.py reports on seed 2024) and the first 300 WNUT17 / MultiCoNER II dev
# documents (benchmarks/quality.py skips them). Copy the printed thresholds into
# policies/default.yaml, or use OUT.yaml as your policy.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-calibrated-default.yaml}"
data="${SHARED_DATA:-../shared/data/ner-train}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jpt-redact synth -p default -n 300 --split dev --seed 202 -o "$tmp/synthetic-dev.jsonl"
cat benchmarks/label_maps/wnut17.yaml benchmarks/label_maps/multiconer2.yaml > "$tmp/labels.yaml"
jpt-redact calibrate -p default ${CHECKPOINT:+--checkpoint "$CHECKPOINT"} --beta "${BETA:-1}" --limit "${LIMIT:-300}" --label-map "$tmp/labels.yaml" \
  --data "$tmp/synthetic-dev.jsonl" \
  --data "$data/wnut17/emerging.dev.conll" \
  --data "$data/multiconer2/en-dev.conll" \
  -o "$out"
