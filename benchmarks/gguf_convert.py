"""First-run cost of the backbone: the GGUF -> safetensors conversion (model/backbone.py), with
the GGUF parsed once (shipped) and, side by side in fresh processes, three times (transformers'
own path: config, weights and tokenizer each parse the file).

    python benchmarks/gguf_convert.py --runs 2

Each run converts into an empty cache directory (JPT_REDACT_CACHE) in a fresh process; the
variants alternate so that both see the same load. Prints wall and CPU seconds per run and
checks that both variants wrote identical weights.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import contextlib, json, sys, time
from jpt_redact.model import backbone
if sys.argv[1] == "three-parses":
    backbone._one_gguf_parse = contextlib.nullcontext
t = time.perf_counter()
path, sha = backbone.backbone_source_dir(None)
print(json.dumps({"seconds": time.perf_counter() - t, "dir": str(path)}))
"""


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(variant: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="jpt-gguf-") as cache:
        env = {**os.environ, "JPT_REDACT_CACHE": cache}
        before = os.times()
        t = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, variant], env=env, capture_output=True, text=True,
                              timeout=900)
        wall = time.perf_counter() - t
        after = os.times()
        if done.returncode != 0:
            raise SystemExit(f"{variant}: exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}")
        out = json.loads(done.stdout.strip().splitlines()[-1])
        weights = digest(Path(out["dir"]) / "model.safetensors")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {"variant": variant, "wall_s": wall, "convert_s": out["seconds"], "cpu_s": cpu, "weights": weights}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=2, help="runs per variant (alternating)")
    args = ap.parse_args(argv)
    rows = []
    for i in range(args.runs):
        order = ("one-parse", "three-parses") if i % 2 == 0 else ("three-parses", "one-parse")
        for variant in order:
            row = run(variant)
            rows.append(row)
            print(f"{variant:13s} convert {row['convert_s']:6.1f} s  process {row['wall_s']:6.1f} s wall "
                  f"{row['cpu_s']:6.1f} CPU-s", flush=True)
    for variant in ("one-parse", "three-parses"):
        mine = [r for r in rows if r["variant"] == variant]
        print(f"{variant:13s} median convert {statistics.median(r['convert_s'] for r in mine):.1f} s")
    same = len({r["weights"] for r in rows}) == 1
    print(f"identical weights: {same}; load average {os.getloadavg()[0]:.1f}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
