"""The numpy quick start (runtime/numpy_backend.py) against torch, side by side in one run.

    python benchmarks/quick_start.py [--runs 5] [--n-short 64] [--rounds 3] [--json out.json]

1. Warm start: fresh `jpt-redact - -p default -q` processes on one sentence, interleaved: the
   default (a small job starts on numpy) and JPT_REDACT_QUICK_START=0 (torch, auto precision).
   Before them, once each: the first quick-start run of the policy after a torch run — it
   computes and stores the fp32 prefix, unless torch ran fp32 and stored it (CPUs without
   native bf16 share one prefix) — what a user's second-ever run costs.
2. Throughput in one process: engine.score on the short synthetic dev documents of
   benchmarks/speed.py, numpy vs torch (auto precision: bf16 where the CPU has it) vs torch
   fp32, interleaved rounds. With the warm-start gap this gives the job size where torch's
   start-up is paid back: cli/common.QUICK_START_CHARS should sit below it.
3. Agreement: the default policy's spans (Redactor.analyze_many) on the short and long
   documents from numpy and torch fp32 (same precision: identical spans expected), and numpy
   against torch auto.

Uses the shipped default model and the user's cache (run any `jpt-redact` command first).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

TEXT = "Call Aisha Rahman at 415-555-2671 about the invoice for Maria Garcia in Berlin.\n"


def cli_run(quick: bool) -> float:
    script = Path(sys.executable).with_name("jpt-redact")
    cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "jpt_redact.cli.main"]
    env = {**os.environ, "JPT_REDACT_QUICK_START": "1" if quick else "0"}
    t = time.perf_counter()
    subprocess.run(cmd + ["-", "-p", "default", "-q"], input=TEXT.encode(), env=env, capture_output=True,
                   check=True, timeout=600)
    return time.perf_counter() - t


def clear_numpy_prefix(built: dict) -> bool:
    """Remove the numpy prefix of the default policy, so the first quick-start run is measured
    as a user meets it after a torch run, unless torch shares it (fp32 hosts), then kept.
    True: the prefix is shared with torch's."""
    from jpt_redact.engine import prefix_store
    from jpt_redact.policy import load_policy

    identity = built["numpy"].backend.prefix_identity
    if identity == built["torch auto"].backend.prefix_identity:
        return True
    prefix_store.prefix_path(prefix_store.prefix_key(identity, load_policy("default").model_types())).unlink(missing_ok=True)
    return False


def warm_start(runs: int, built: dict) -> dict:
    cli_run(False)  # torch side warm: converted store, its prefix, definition embeddings
    shared = clear_numpy_prefix(built)
    first_quick = cli_run(True)
    times: dict[str, list[float]] = {"quick (numpy)": [], "torch": []}
    for i in range(runs):
        for name in (("quick (numpy)", "torch") if i % 2 == 0 else ("torch", "quick (numpy)")):
            times[name].append(cli_run(name != "torch"))
    return {"first_quick_start_s": first_quick, "prefix_shared_with_torch": shared, "runs": times,
            "median_s": {k: statistics.median(v) for k, v in times.items()}}


def engines() -> dict:
    from jpt_redact.engine.loader import build_engine

    return {"numpy": build_engine(backend="numpy"), "torch auto": build_engine(backend="torch"),
            "torch fp32": build_engine(backend="torch", backend_options={"torch_precision": "fp32"})}


def throughput(built: dict, docs: list[str], types: dict, rounds: int) -> dict:
    chars = sum(len(d) for d in docs)
    for engine in built.values():
        engine.score(docs[:4], types)  # prefix, kernels
    walls: dict[str, list[float]] = {name: [] for name in built}
    names = list(built)
    for r in range(rounds):
        for name in (names if r % 2 == 0 else names[::-1]):
            t = time.perf_counter()
            for i in range(0, len(docs), 32):
                built[name].score(docs[i : i + 32], types)
            walls[name].append(time.perf_counter() - t)
    return {name: {"chars_per_s": chars * rounds / sum(w), "wall_s": w,
                   "precision": getattr(built[name].backend, "precision", "?")} for name, w in walls.items()}


def agreement(built: dict, sets: dict) -> dict:
    from jpt_redact.policy import load_policy
    from jpt_redact.redactor import Redactor

    policy = load_policy("default")
    spans = {}
    for name, engine in built.items():
        red = Redactor(policy, engine=engine)
        spans[name] = {k: [[(s.start, s.end, s.label) for s in r.spans] for r in red.analyze_many(docs, batch_size=32)]
                       for k, docs in sets.items()}
    out = {}
    for other in ("torch fp32", "torch auto"):
        for k in sets:
            a, b = spans["numpy"][k], spans[other][k]
            same = sum(x == y for x, y in zip(a, b))
            out[f"numpy vs {other}, {k}"] = {"documents": len(a), "identical": same,
                                             "spans_numpy": sum(map(len, a)), "spans_other": sum(map(len, b))}
    return out


def main(argv=None) -> None:
    from speed import document_sets, machine

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="warm CLI runs per variant (interleaved)")
    ap.add_argument("--n-short", type=int, default=64)
    ap.add_argument("--n-long", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args(argv)
    from jpt_redact.cli.common import QUICK_START_CHARS
    from jpt_redact.policy import load_policy

    res: dict = {"machine": machine(), "quick_start_chars": QUICK_START_CHARS}
    built = engines()  # in-process engines; the CLI runs are fresh processes
    res["warm_start"] = warm_start(args.runs, built)
    sets = document_sets(args.n_short, args.n_long)
    types = load_policy("default").model_types()
    res["throughput_short"] = throughput(built, sets["short"], types, args.rounds)
    gap = res["warm_start"]["median_s"]["torch"] - res["warm_start"]["median_s"]["quick (numpy)"]
    x, y = res["throughput_short"]["numpy"]["chars_per_s"], res["throughput_short"]["torch auto"]["chars_per_s"]
    # torch's start-up is paid back after N chars: N / x = N / y - gap  ->  N = gap / (1/x - 1/y)
    res["break_even_chars"] = gap / (1 / x - 1 / y) if x < y and gap > 0 else None
    res["agreement"] = agreement(built, sets)
    res["load_avg_1m_at_end"] = os.getloadavg()[0]

    ws = res["warm_start"]
    print(f"host: {res['machine']['cpu_model']} ({res['machine']['cpu_features']}); torch auto = "
          f"{res['machine']['torch_precision_auto']}")
    print(f"warm start, median of {args.runs}: quick (numpy) {ws['median_s']['quick (numpy)']:.2f} s, "
          f"torch {ws['median_s']['torch']:.2f} s; first quick-start run of the policy {ws['first_quick_start_s']:.2f} s")
    for name, r in res["throughput_short"].items():
        print(f"short documents, engine.score: {name:11s} {r['chars_per_s']:7.0f} chars/s ({r['precision']})")
    be = res["break_even_chars"]
    print(f"torch's start-up is paid back after ~{be:.0f} chars" if be else "no break-even: numpy is not slower",
          f"(QUICK_START_CHARS = {QUICK_START_CHARS})")
    for k, r in res["agreement"].items():
        print(f"{k}: {r['identical']}/{r['documents']} documents with identical spans "
              f"({r['spans_numpy']} vs {r['spans_other']} spans)")
    print(f"load average {res['load_avg_1m_at_end']:.1f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
