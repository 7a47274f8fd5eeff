"""Runtime backends on CPU: torch fp32 / bf16 / padded vs onnxruntime fp32 / int8, one run.

    python benchmarks/backends.py [--checkpoint DIR] [--n 48] [--data DEV.jsonl] [--json]

Each backend runs in its own subprocess on the same documents, so peak RSS is its own
(resource.getrusage ru_maxrss: model load included; the engine, heads and definition encoder
are the same in every process). Per backend:

- throughput: all documents through `engine.predict` in calls of `--batch-size` documents
  (the engine batches windows 8 at a time): chars/s, docs/s, and the CPU seconds the process
  used, which is steadier than wall time on a machine shared with other work;
- latency: each of the first `--latency-docs` documents alone (`predict([doc])`), p50/p95;
- spans: span-level agreement (strict start/end/label F1) with torch fp32's spans, and of
  onnx int8 with onnx fp32; with `--data`, strict micro F1, entity precision and character
  recall against the gold spans too. torch-bf16 vs torch-fp32 on gold data is the quality gate
  for choosing bf16 automatically (TARGETS; runtime/cpu.py).

ONNX exports are made (or found in the cache) before any timing, so export time is not in the
numbers. Documents: `--data` (any format `jpt_redact.data.load_examples` reads) or
`jpt_redact.train.synth.generate_for_policy(policy, n, seed=7, split="dev")`. Speed does not
depend on the head weights: a random-heads checkpoint with the default backbone and layer gives
the same speed, but its span agreement says nothing about the real model.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# name -> (backend, backend options)
BACKENDS = {
    "torch-fp32": ("torch", {"torch_precision": "fp32"}),
    "torch-bf16": ("torch", {"torch_precision": "bf16"}),  # emulated (slow) on CPUs without AVX512-BF16/AMX
    "torch-padded": ("torch", {"torch_precision": "fp32", "packing": False}),  # transformers, right-padded batches
    "onnx-fp32": ("onnx-cpu", {"precision": "fp32"}),
    "onnx-int8": ("onnx-cpu", {"precision": "int8"}),
}
TARGETS = {"onnx_int8_vs_torch_fp32_throughput": ">= 2.5", "onnx_int8_f1_loss_points": "<= 1.0",
           # the gate for choosing a lower precision automatically (runtime/cpu.py AUTO_BF16)
           "torch_bf16_char_recall_loss_points": "<= 0.5", "torch_bf16_entity_precision_loss_points": "<= 0.5"}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def load_docs(args) -> tuple[list[str], list[Any] | None]:
    if args.data:
        from jpt_redact.data import load_examples

        gold = load_examples(args.data)[: args.n]
        return [ex.text for ex in gold], gold
    from jpt_redact.policy import load_policy
    from jpt_redact.train.synth import generate_for_policy

    return [ex.text for ex in generate_for_policy(load_policy(args.policy), args.n, 7, split="dev")], None


# -- worker: one backend in this process ------------------------------------------------------
def worker(args) -> None:
    from jpt_redact.engine.loader import build_engine
    from jpt_redact.policy import load_policy

    backend, options = BACKENDS[args.worker]
    docs = json.loads(Path(args.docs_file).read_text())
    policy = load_policy(args.policy)
    types = policy.model_types()
    thresholds = {label: policy.threshold_for(label) for label in types}
    t = time.perf_counter()
    engine = build_engine(args.checkpoint, backend=backend, backend_options=options, device="cpu")
    engine.predict(docs[:1], types, thresholds)  # warm-up: policy prefix, kernels, lazy inits
    load_s = time.perf_counter() - t
    spans, t0, c0 = [], time.perf_counter(), time.process_time()
    for i in range(0, len(docs), args.batch_size):
        spans += engine.predict(docs[i : i + args.batch_size], types, thresholds)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    latencies = []
    for doc in docs[: args.latency_docs]:
        t = time.perf_counter()
        engine.predict([doc], types, thresholds)
        latencies.append(time.perf_counter() - t)
    chars = sum(map(len, docs))
    result = {
        "backend": args.worker, "selected": engine.backend_name, "load_s": round(load_s, 2),
        "chars_per_s": round(chars / wall, 1), "docs_per_s": round(len(docs) / wall, 3),
        "total_s": round(wall, 2), "cpu_s": round(cpu, 2), "chars_per_cpu_s": round(chars / cpu, 1),
        "latency_ms_p50": round(1000 * statistics.median(latencies), 1),
        "latency_ms_p95": round(1000 * _quantile(latencies, 0.95), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "spans": [[[s.start, s.end, s.label] for s in doc] for doc in spans],
    }
    Path(args.out).write_text(json.dumps(result))


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- parent: exports, one subprocess per backend, comparison ------------------------------------
def span_agreement(reference: list, other: list) -> dict:
    ref = {(i, *s) for i, doc in enumerate(reference) for s in doc}
    got = {(i, *s) for i, doc in enumerate(other) for s in doc}
    from jpt_redact.evaluate import f_beta

    both = len(ref & got)
    p = both / len(got) if got else 1.0
    r = both / len(ref) if ref else 1.0
    return {"f1": round(f_beta(p, r, 1.0), 4), "precision": round(p, 4), "recall": round(r, 4),
            "n_reference": len(ref), "n_other": len(got)}


def gold_scores(gold: list, spans: list) -> dict:
    """Strict micro F1 and the acceptance metrics (entity precision, character recall)."""
    from jpt_redact.evaluate import evaluate

    report = evaluate(gold, [[tuple(s) for s in doc] for doc in spans])
    return {"strict_f1": round(report.micro.strict.f1, 4), "entity_precision": round(report.entity_precision, 4),
            "char_recall": round(report.char_recall, 4)}


def prepare_exports(checkpoint: str | None, names: list[str]) -> dict:
    from jpt_redact.runtime.onnx_export import export_onnx

    made = {}
    for name in names:
        backend, options = BACKENDS[name]
        if backend == "onnx-cpu":
            t = time.perf_counter()
            path = export_onnx(checkpoint, int8=options["precision"] == "int8")
            made[name] = {"dir": str(path), "ready_s": round(time.perf_counter() - t, 1),
                          "size_mb": round((path / "model.onnx").stat().st_size / 2**20, 1)}
    return made


def run(args) -> dict:
    names = args.backends.split(",")
    unknown = [n for n in names if n not in BACKENDS]
    if unknown:
        raise SystemExit(f"unknown backends {unknown}; choose from {list(BACKENDS)}")
    docs, gold = load_docs(args)
    exports = prepare_exports(args.checkpoint, names)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        docs_file = Path(tmp) / "docs.json"
        docs_file.write_text(json.dumps(docs))
        for name in names:
            log(f"[backends] {name} ...")
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, __file__, "--worker", name, "--docs-file", str(docs_file), "--out", str(out),
                   "--policy", args.policy, "--batch-size", str(args.batch_size), "--latency-docs", str(args.latency_docs)]
            if args.checkpoint:
                cmd += ["--checkpoint", args.checkpoint]
            subprocess.run(cmd, check=True)
            results[name] = json.loads(out.read_text())
            r = results[name]
            log(f"[backends] {name}: {r['chars_per_s']} chars/s, {r['cpu_s']} cpu s, p50 {r['latency_ms_p50']} ms, "
                f"rss {r['peak_rss_mb']} MB")
    spans = {n: r.pop("spans") for n, r in results.items()}
    for name, r in results.items():
        if "torch-fp32" in spans and name != "torch-fp32":
            r["agreement_vs_torch_fp32"] = span_agreement(spans["torch-fp32"], spans[name])
        if gold is not None:
            r["gold"] = gold_scores(gold, spans[name])
            r["gold_strict_f1"] = r["gold"]["strict_f1"]
    if {"onnx-fp32", "onnx-int8"} <= set(spans):
        results["onnx-int8"]["agreement_vs_onnx_fp32"] = span_agreement(spans["onnx-fp32"], spans["onnx-int8"])
    summary = {}
    if {"torch-fp32", "onnx-int8"} <= set(results):
        base, fast = results["torch-fp32"], results["onnx-int8"]
        summary["onnx_int8_vs_torch_fp32_throughput"] = round(fast["chars_per_s"] / base["chars_per_s"], 2)
        summary["onnx_int8_vs_torch_fp32_cpu"] = round(fast["chars_per_cpu_s"] / base["chars_per_cpu_s"], 2)
        if gold is not None:
            summary["onnx_int8_f1_loss_points"] = round(100 * (base["gold_strict_f1"] - fast["gold_strict_f1"]), 2)
        else:
            summary["onnx_int8_disagreement_points"] = round(100 * (1 - fast["agreement_vs_torch_fp32"]["f1"]), 2)
    if {"torch-fp32", "torch-bf16"} <= set(results):
        base, low = results["torch-fp32"], results["torch-bf16"]
        summary["torch_bf16_span_agreement_f1"] = low["agreement_vs_torch_fp32"]["f1"]
        if gold is not None:
            for metric in ("char_recall", "entity_precision"):
                summary[f"torch_bf16_{metric}_loss_points"] = round(100 * (base["gold"][metric] - low["gold"][metric]), 2)
    from jpt_redact.runtime.cpu import cpu_features

    return {
        "command": " ".join(["python", "benchmarks/backends.py", *sys.argv[1:]]),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "cpu_features": cpu_features().describe(), "load_avg_1m": round(os.getloadavg()[0], 2)},
        "checkpoint": args.checkpoint or "default", "n_docs": len(docs), "chars": sum(map(len, docs)),
        "data": args.data or "synthetic dev (generate_for_policy, seed 7)",
        "exports": exports, "backends": results, "summary": summary, "targets": TARGETS,
    }


def render(report: dict) -> str:
    lines = [f"{report['n_docs']} docs, {report['chars']} chars, checkpoint {report['checkpoint']}, "
             f"load avg {report['machine']['load_avg_1m']}"]
    head = f"{'backend':<11} {'chars/s':>8} {'docs/s':>7} {'cpu s':>7} {'p50 ms':>8} {'p95 ms':>8} {'RSS MB':>7} {'agree F1':>8} {'gold F1':>8}"
    lines.append(head)
    for name, r in report["backends"].items():
        agree = r.get("agreement_vs_torch_fp32", {}).get("f1", "")
        lines.append(f"{name:<11} {r['chars_per_s']:>8} {r['docs_per_s']:>7} {r['cpu_s']:>7} {r['latency_ms_p50']:>8} "
                     f"{r['latency_ms_p95']:>8} {r['peak_rss_mb']:>7} {agree!s:>8} {r.get('gold_strict_f1', '')!s:>8}")
    if "agreement_vs_onnx_fp32" in report["backends"].get("onnx-int8", {}):
        lines.append(f"onnx-int8 vs onnx-fp32 span F1: {report['backends']['onnx-int8']['agreement_vs_onnx_fp32']['f1']}")
    lines += [f"{k}: {v}" for k, v in report["summary"].items()]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checkpoint", default=None, help="checkpoint directory (default: the shipped model)")
    ap.add_argument("--policy", default="default", help="policy whose model types and thresholds are used")
    ap.add_argument("--n", type=int, default=48, help="documents")
    ap.add_argument("--data", default=None, help="gold dev file: documents from it, and F1 against its spans")
    ap.add_argument("--backends", default="torch-fp32,torch-padded,onnx-fp32,onnx-int8",
                    help="comma-separated subset of " + ", ".join(BACKENDS))
    ap.add_argument("--batch-size", type=int, default=8, help="documents per predict call in the throughput pass")
    ap.add_argument("--latency-docs", type=int, default=16, help="documents timed one at a time")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--docs-file", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args)
        return
    report = run(args)
    print(json.dumps(report, indent=1) if args.json else render(report))


if __name__ == "__main__":
    main()
