"""Intra-op threads and how OpenMP threads wait: CPU and wall time of one engine batch.

    python benchmarks/threads.py [--n 16] [--long] [--configs 1:passive,2:active,2:passive] [--profile] [--json]

Each configuration (threads:wait policy) runs in its own process, because libgomp reads
OMP_WAIT_POLICY when torch loads it. A process loads the default engine, warms it up on two
documents, then scores --n short synthetic dev documents (60-140 characters; with --long, 1-2k
characters: speed.py's long set) in one call, twice,
and reports the better of the two: CPU seconds of the process (all threads), wall seconds, and
chars per CPU second. The machine's 1-minute load average is recorded with each, since the
point of the comparison is a machine whose cores other work shares too.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

_WORKER = """
import json, os, sys, time
import jpt_redact  # sets the wait policy default before torch loads
import torch
from jpt_redact.engine.loader import load_engine
from jpt_redact.policy import load_policy
from jpt_redact.train.synth import generate
threads, n, long_docs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[4] == "1"
policy = load_policy("default")
types = policy.model_types()
engine = load_engine(policy.model)
torch.set_num_threads(threads)  # after load_engine, which sets its own default
if long_docs:
    sys.path.insert(0, sys.argv[5])  # this script's folder, whatever the working directory
    from speed import document_sets

    docs = document_sets(0, n)["long"]
else:
    docs = [e.text for e in generate(400, seed=7, split="dev") if 60 <= len(e.text) <= 140][:n]
engine.score(docs[:2], types)
runs = []
for _ in range(2):
    load = os.getloadavg()[0]
    c, w = time.process_time(), time.perf_counter()
    engine.score(docs, types)
    runs.append({"cpu_s": time.process_time() - c, "wall_s": time.perf_counter() - w, "load_avg_1m": load})
best = min(runs, key=lambda r: r["wall_s"])
chars = sum(map(len, docs))
ops = {}
if sys.argv[3] == "1":  # where the time goes: self CPU time per torch op, one more pass
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        engine.score(docs, types)
    events = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)
    total = sum(e.self_cpu_time_total for e in events)
    ops = {e.key: round(e.self_cpu_time_total / total, 3) for e in events[:10]}
print(json.dumps({"threads": torch.get_num_threads(), "wait": os.environ["OMP_WAIT_POLICY"], "docs": len(docs),
                  "chars": chars, **best, "chars_per_cpu_s": chars / best["cpu_s"], "runs": runs, "op_share": ops}))
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=16, help="short documents in the batch")
    ap.add_argument("--configs", default="1:passive,2:active,2:passive", help="threads:wait,... (wait: active|passive)")
    ap.add_argument("--long", action="store_true", help="documents of 1-2k characters instead of short ones")
    ap.add_argument("--profile", action="store_true", help="also the share of self CPU time per torch op (first config)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    results = []
    for i, config in enumerate(args.configs.split(",")):
        threads, _, wait = config.partition(":")
        env = {**os.environ, "OMP_WAIT_POLICY": wait.upper()}
        out = subprocess.run([sys.executable, "-c", _WORKER, threads, str(args.n), "1" if args.profile and i == 0 else "0",
                              "1" if args.long else "0", str(Path(__file__).resolve().parent)], env=env,
                             capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = results[-1]
        print(f"threads {r['threads']} wait {r['wait'].lower():<7} cpu {r['cpu_s']:6.2f} s  wall {r['wall_s']:6.1f} s  "
              f"{r['chars_per_cpu_s']:5.0f} chars/cpu-s  load {r['load_avg_1m']:.1f}", file=sys.stderr, flush=True)
        if r["op_share"]:
            print("  self CPU share: " + ", ".join(f"{k} {v:.0%}" for k, v in r["op_share"].items()), file=sys.stderr)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
