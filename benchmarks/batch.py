"""`jpt-redact batch` on this machine: --engine local against --engine ray, same documents.

Each engine runs in its own fresh process (the real command, model load included), so its
peak RSS is its own. Reported per engine:

* chars/s end to end: input characters / wall time of the whole command (start-up, planning,
  model load, redaction, manifest);
* chars/s steady: characters of the shards committed after the first one / time between the
  first and the last commit (start-up excluded; needs several shards per worker to mean much);
* peak RSS of the driver process and of the largest worker (Ray actors are other processes).

Documents: `jpt_redact.train.synth.generate(n, seed=11, split="dev")` as JSONL.

    python benchmarks/batch.py --docs 2000 --shard-size 50 --workers 2 --json batch.json
    python benchmarks/batch.py --docs 16 --shard-size 4 --no-model        # a quick check
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def make_corpus(path: Path, n: int) -> int:
    from jpt_redact.train.synth import generate

    examples = generate(n, seed=11, split="dev")
    with open(path, "w", encoding="utf-8") as fh:
        for i, ex in enumerate(examples):
            fh.write(json.dumps({"id": f"doc-{i}", "text": ex.text}, ensure_ascii=False) + "\n")
    return sum(len(ex.text) for ex in examples)


def one(args: argparse.Namespace) -> None:
    """Child process: run the command in-process, write the result to --result."""
    from jpt_redact.cli.main import main

    cmd = ["batch", args.src, args.out, "-p", args.policy, "--shard-size", str(args.shard_size),
           "--engine", args.one, "-q"]
    if args.one == "ray":
        cmd += ["--workers", str(args.workers)]
    if args.no_model:
        cmd.append("--no-model")
    t0 = time.perf_counter()
    code = 0
    try:
        main(cmd)
    except SystemExit as exc:
        code = exc.code or 0
    wall = time.perf_counter() - t0
    commits = [json.loads(p.read_text()) for p in (Path(args.out) / "shards").glob("*.json")]
    Path(args.result).write_text(json.dumps({
        "exit_code": code, "wall_s": wall,
        "driver_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_rss_mb": max((c.get("worker_peak_rss_mb") or 0 for c in commits), default=None),
        "records": sum(c["records"] for c in commits), "written": sum(c["written"] for c in commits),
        "model_id": commits[0]["model_id"] if commits else None,
    }))


def steady_rate(out: Path, src: Path) -> float | None:
    """Characters per second between the first and the last commit (None: too few shards)."""
    lengths = [len(json.loads(line)["text"]) for line in src.read_text(encoding="utf-8").splitlines()]
    commits = sorted((datetime.fromisoformat(e["time"].replace("Z", "+00:00")), e)
                     for e in (json.loads(p.read_text()) for p in (out / "shards").glob("*.json")))
    if len(commits) < 3:
        return None
    span = (commits[-1][0] - commits[0][0]).total_seconds()
    size = max(1, -(-len(lengths) // len(commits)))  # records per shard (the last may be short)
    chars = sum(sum(lengths[e["index"] * size:(e["index"] + 1) * size]) for _, e in commits[1:])
    return chars / span if span > 0 else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--shard-size", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2, help="Ray actors")
    ap.add_argument("--policy", default="default")
    ap.add_argument("--engines", default="local,ray")
    ap.add_argument("--no-model", action="store_true", help="patterns only (measures the pipeline, not the model)")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--one", choices=["local", "ray"], help=argparse.SUPPRESS)
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--result", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        return one(args)
    with tempfile.TemporaryDirectory(prefix="jpt-batch-bench-") as tmp:
        src = Path(tmp) / "docs.jsonl"
        chars = make_corpus(src, args.docs)
        results = {"docs": args.docs, "chars": chars, "shard_size": args.shard_size, "workers": args.workers,
                   "policy": args.policy, "no_model": args.no_model, "cpus": os.cpu_count(),
                   "machine": platform.platform(), "load_avg_start": os.getloadavg()[0], "engines": {}}
        for engine in args.engines.split(","):
            out = Path(tmp) / f"out-{engine}"
            result = Path(tmp) / f"result-{engine}.json"
            cmd = [sys.executable, __file__, "--one", engine, "--src", str(src), "--out", str(out), "--result",
                   str(result), "--policy", args.policy, "--shard-size", str(args.shard_size),
                   "--workers", str(args.workers)]
            proc = subprocess.run(cmd + (["--no-model"] if args.no_model else []), capture_output=True, text=True)
            if proc.returncode != 0 or not result.exists():
                sys.exit(f"{engine}: failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
            child = json.loads(result.read_text())
            results["engines"][engine] = {**child, "chars_per_s": chars / child["wall_s"],
                                          "steady_chars_per_s": steady_rate(out, src)}
        results["load_avg_end"] = os.getloadavg()[0]
    print(f"{args.docs} docs, {chars} chars, shard size {args.shard_size}, policy {args.policy}"
          f"{' (no model)' if args.no_model else ''}, {os.cpu_count()} CPUs")
    print(f"{'engine':8} {'wall s':>8} {'chars/s':>9} {'steady':>9} {'driver MB':>10} {'worker MB':>10} exit")
    for name, r in results["engines"].items():
        steady = f"{r['steady_chars_per_s']:.0f}" if r["steady_chars_per_s"] else "-"
        print(f"{name:8} {r['wall_s']:8.1f} {r['chars_per_s']:9.0f} {steady:>9} {r['driver_peak_rss_mb']:10.0f} "
              f"{(r['worker_peak_rss_mb'] or 0):10.0f} {r['exit_code']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
