"""Speed of the JPT engine vs generative tagging and Presidio, plus start-up time and memory.

    python benchmarks/speed.py [--n 40] [--gen-n 8] [--checkpoint DIR] [--json]

All numbers come from one run on the current machine:

- JPT (the default policy's model settings and types, `load_policy('default').model_types()`):
  per-document latency at batch 1, and throughput (chars/s, docs/s) at batch 1 and batch 8,
  with the policy prefix KV-cached and without (`build_engine(use_prefix_cache=False)`).
- Generative baseline (the paper's comparison): the same backbone, all layers, as a causal
  LM (`AutoModelForCausalLM` from the backbone cache; SmolLM2 ties its LM head to the
  embeddings) asked to rewrite each text with entity tags, greedy, generating as many new
  tokens as the text has (an annotated copy is at least that long), batch 1.
- Presidio's stock AnalyzerEngine with the small spaCy model, on the same documents.
- Start-up in fresh processes: `load_engine()` with an empty JPT_REDACT_CACHE (first run:
  GGUF dequantization + conversion) and again with the now-warm cache, and a warm
  `jpt-redact` CLI run redacting one document from stdin; wall time and peak RSS of each.

Documents: `jpt_redact.train.synth.generate(n, seed=7, split="dev")` (~60-600 characters).
Speed does not depend on the head weights, so `--checkpoint` may point at a random-heads
checkpoint with the default backbone and layer.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {
    "jpt_vs_generative_speedup": ">= 20",
    "jpt_vs_presidio_throughput": ">= 0.333",
    "cli_warm_start_s": "<= 5",
    "peak_rss_mb": "<= 1536",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- documents and policy -------------------------------------------------------------------------
def documents(n: int) -> list[str]:
    from jpt_redact.train.synth import generate

    return [ex.text for ex in generate(n, seed=7, split="dev")]


def policy_and_settings(checkpoint: str | None):
    from jpt_redact.policy import load_policy

    policy = load_policy("default")
    settings = policy.model
    if checkpoint:
        settings = settings.model_copy(update={"checkpoint": checkpoint})
    return policy, settings


# -- JPT ------------------------------------------------------------------------------------------
def time_jpt(engine, docs: list[str], types: dict, thresholds: dict, batch_size: int) -> dict:
    engine.predict(docs[:batch_size], types, thresholds, batch_size=batch_size)  # warm-up: prefix, kernels
    latencies = []
    t0 = time.perf_counter()
    for i in range(0, len(docs), batch_size):
        t = time.perf_counter()
        engine.predict(docs[i : i + batch_size], types, thresholds, batch_size=batch_size)
        latencies.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    chars = sum(len(d) for d in docs)
    out = {"chars_per_s": chars / total, "docs_per_s": len(docs) / total, "total_s": total, "docs": len(docs)}
    if batch_size == 1:
        out["latency_ms_mean"] = 1000 * statistics.mean(latencies)
        out["latency_ms_p50"] = 1000 * statistics.median(latencies)
        out["latency_ms_p95"] = 1000 * sorted(latencies)[max(0, int(0.95 * len(latencies)) - 1)]
    else:
        out["batch_latency_ms_mean"] = 1000 * statistics.mean(latencies)
    return out


def bench_backend(settings, backend: str, docs: list[str], types: dict, thresholds: dict,
                  uncached_n: int, r: dict, save) -> Any:
    """One backend: batch 1 and 8, with and without the policy prefix KV cache."""
    from jpt_redact.engine.loader import build_engine

    def build(use_prefix_cache: bool):
        return build_engine(settings.checkpoint, backbone=settings.backbone, encoder=settings.encoder, backend=backend,
                            window_tokens=settings.window_tokens, window_overlap=settings.window_overlap,
                            batch_size=settings.batch_size, use_prefix_cache=use_prefix_cache)

    engine = build(True)
    r.update({"backend": engine.backend_name, "selection_reason": engine.selection_reason,
              "prefix_tokens": len(engine.prepare(types).pieces.prefix_ids)})
    log(f"  {r['backend']}: {r['selection_reason']}")

    def stage(key, eng, subset, bs):
        r[key] = time_jpt(eng, subset, types, thresholds, bs)
        log(f"  {key}: {r[key]['chars_per_s']:.0f} chars/s over {len(subset)} docs ({r[key]['total_s']:.0f} s)")
        save()

    stage("jpt_cached_b1", engine, docs, 1)
    stage("jpt_cached_b8", engine, docs, 8)
    # without the cache every document re-reads the ~1,400-token policy prefix: slow, so a subset
    plain = build(False)
    few = docs[:uncached_n]
    stage("jpt_uncached_b1", plain, few, 1)
    stage("jpt_uncached_b8", plain, few, 8)
    del plain
    r["jpt_cached_b1_same_docs"] = time_jpt(engine, few, types, thresholds, 1)
    r["prefix_cache_speedup_b1"] = r["jpt_cached_b1_same_docs"]["chars_per_s"] / r["jpt_uncached_b1"]["chars_per_s"]
    r["batch8_speedup_cached"] = r["jpt_cached_b8"]["chars_per_s"] / r["jpt_cached_b1"]["chars_per_s"]
    save()
    return engine


# -- generative baseline --------------------------------------------------------------------------
GEN_SYSTEM = "You are a precise entity tagger for privacy redaction."


def generative_prompt(tokenizer, types: dict, text: str) -> str:
    defs = "\n".join(f"- {label}: {d.strip()}" for label, d in types.items())
    user = (
        f"Entity types:\n{defs}\n\nRewrite the text below exactly as it is, but wrap every entity of these "
        f"types in tags, e.g. <PERSON>John Smith</PERSON>. Output only the rewritten text.\n\nText:\n{text}"
    )
    messages = [{"role": "system", "content": GEN_SYSTEM}, {"role": "user", "content": user}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def time_generative(docs: list[str], types: dict) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from jpt_redact.model.backbone import backbone_source_dir

    source, _ = backbone_source_dir(None)
    tok = AutoTokenizer.from_pretrained(str(source))
    model = AutoModelForCausalLM.from_pretrained(str(source), dtype=torch.float32).eval()
    if model.lm_head.weight.data_ptr() != model.get_input_embeddings().weight.data_ptr():
        raise SystemExit("the backbone's LM head is not tied to its embeddings; the cache holds no LM head")

    def run(text: str) -> tuple[float, int]:
        ids = tok(generative_prompt(tok, types, text), return_tensors="pt", add_special_tokens=False)
        n_new = max(1, len(tok(text, add_special_tokens=False)["input_ids"]))
        t = time.perf_counter()
        with torch.inference_mode():
            out = model.generate(
                **ids, do_sample=False, max_new_tokens=n_new, min_new_tokens=n_new,
                pad_token_id=tok.pad_token_id or tok.eos_token_id,
            )
        return time.perf_counter() - t, int(out.shape[1] - ids["input_ids"].shape[1])

    run(docs[0][:60])  # warm-up
    total, new_tokens = 0.0, 0
    for d in docs:
        dt, n = run(d)
        total += dt
        new_tokens += n
    chars = sum(len(d) for d in docs)
    return {
        "chars_per_s": chars / total, "docs_per_s": len(docs) / total, "total_s": total,
        "new_tokens_per_s": new_tokens / total, "latency_ms_mean": 1000 * total / len(docs), "docs": len(docs),
    }


# -- Presidio -------------------------------------------------------------------------------------
def time_presidio(docs: list[str]) -> dict:
    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from jpt_redact.plugins.presidio import small_spacy_model

    model = small_spacy_model("en")
    if model is None:
        raise SystemExit("no small spaCy model installed: pip install 'jpt-redact[presidio]'")
    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
                              supported_languages=["en"])
    analyzer.analyze(text="warm up: call John Smith at 555-0100", language="en")
    latencies = []
    t0 = time.perf_counter()
    for d in docs:
        t = time.perf_counter()
        analyzer.analyze(text=d, language="en")
        latencies.append(time.perf_counter() - t)
    total = time.perf_counter() - t0
    return {
        "chars_per_s": sum(len(d) for d in docs) / total, "docs_per_s": len(docs) / total, "total_s": total,
        "latency_ms_mean": 1000 * statistics.mean(latencies), "spacy_model": model,
    }


# -- start-up in fresh processes -------------------------------------------------------------------
# Runs a command as a child and reports its wall time and peak RSS (RUSAGE_CHILDREN of a
# wrapper that has no other children).
_MEASURE = """
import json, resource, subprocess, sys, time
cmd, stdin = json.loads(sys.argv[1])
t = time.perf_counter()
p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": p.returncode, "wall_s": wall, "peak_rss_mb": rss, "stderr_tail": p.stderr[-400:],
                  "stdout_tail": p.stdout[-1000:]}))
"""

_LOAD = """
import json, sys, time
t0 = time.perf_counter()
import torch, transformers
from jpt_redact.engine.loader import load_engine
from jpt_redact.policy import load_policy
t1 = time.perf_counter()
policy = load_policy("default")
settings = policy.model if not sys.argv[1] else policy.model.model_copy(update={"checkpoint": sys.argv[1]})
engine = load_engine(settings)
t2 = time.perf_counter()
engine.prepare(policy.model_types())
t3 = time.perf_counter()
engine.predict(["Please call John Smith at 555-0100 tomorrow."], policy.model_types())
t4 = time.perf_counter()
print(json.dumps({"imports_s": t1 - t0, "load_engine_s": t2 - t1, "prepare_policy_s": t3 - t2,
                  "first_predict_s": t4 - t3, "backend": engine.backend_name}))
"""


def measured(cmd: list[str], env: dict, stdin: str = "", *, phases: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps([cmd, stdin])], env=env,
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"start-up run failed ({' '.join(cmd[:3])}...):\n{res['stderr_tail']}")
    del res["stderr_tail"]
    out_lines = res.pop("stdout_tail").strip().splitlines()
    if phases and out_lines:
        res["phases"] = json.loads(out_lines[-1])
    return res


def time_startup(checkpoint: str | None, doc: str) -> dict:
    import yaml

    from jpt_redact.policy import load_policy

    with tempfile.TemporaryDirectory(prefix="jpt-speed-") as tmp:
        env = {**os.environ, "JPT_REDACT_CACHE": str(Path(tmp) / "cache")}
        load = [sys.executable, "-c", _LOAD, checkpoint or ""]
        log("  start-up: first run, empty cache (GGUF conversion)...")
        cold = measured(load, env, phases=True)
        log("  start-up: second run, warm cache...")
        warm = measured(load, env, phases=True)
        # the real CLI, redacting one document from stdin (a policy file when the checkpoint is overridden)
        policy_arg = "default"
        if checkpoint:
            raw = yaml.safe_load(Path(load_policy("default").source).read_text())
            raw.setdefault("model", {})["checkpoint"] = str(Path(checkpoint).resolve())
            policy_arg = str(Path(tmp) / "policy.yaml")
            Path(policy_arg).write_text(yaml.safe_dump(raw, sort_keys=False))
        log("  start-up: jpt-redact CLI, warm cache...")
        script = Path(sys.executable).with_name("jpt-redact")  # the installed console script, no shim
        cli_cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "jpt_redact.cli.main"]
        cli = measured(cli_cmd + ["-", "--policy", policy_arg, "-q"], env, doc)
    return {"cold_load_s": cold["wall_s"], "cold_peak_rss_mb": cold["peak_rss_mb"], "cold_phases": cold["phases"],
            "warm_load_s": warm["wall_s"], "warm_peak_rss_mb": warm["peak_rss_mb"], "warm_phases": warm["phases"],
            "cli_warm_start_s": cli["wall_s"], "cli_peak_rss_mb": cli["peak_rss_mb"]}


# -- main -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="documents (default 40)")
    ap.add_argument("--gen-n", type=int, default=8, help="documents for the (slow) generative baseline")
    ap.add_argument("--uncached-n", type=int, default=16, help="documents for the (slow) runs without prefix cache")
    ap.add_argument("--out", help="also write the JSON here, updated after every stage")
    ap.add_argument("--checkpoint", help="checkpoint directory (default: the shipped one)")
    ap.add_argument("--backends", default="auto",
                    help="comma-separated runtime backends to time (default: auto, the policy's setting); "
                         "the first one gives the headline numbers and ratios")
    ap.add_argument("--skip-generative", action="store_true")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = ap.parse_args(argv)

    import torch

    docs = documents(args.n)
    policy, settings = policy_and_settings(args.checkpoint)
    types = policy.model_types()
    thresholds = {label: policy.threshold_for(label) for label in types}
    res: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": platform.python_version(),
                    "torch": torch.__version__, "load_avg_1m_at_start": os.getloadavg()[0]},
        "docs": len(docs), "doc_chars_mean": statistics.mean(len(d) for d in docs), "types": len(types),
        "checkpoint": args.checkpoint or "default",
    }

    def save() -> None:
        if args.out:
            tmp = Path(args.out + ".tmp")
            tmp.write_text(json.dumps(res, indent=1))
            os.replace(tmp, args.out)

    engines = {}
    res["jpt"] = {}
    for i, backend in enumerate(args.backends.split(",")):
        log(f"JPT ({backend}): {len(docs)} documents, {len(types)} types...")
        r = res["jpt"][backend] = {}
        engine = bench_backend(settings, backend, docs, types, thresholds, args.uncached_n, r, save)
        engines[backend] = engine
        if i == 0:
            headline = r
            res["model_id"], res["backend"], res["prefix_tokens"] = engine.model_id, r["backend"], r["prefix_tokens"]
    engine = engines[args.backends.split(",")[0]]
    for k in ("jpt_cached_b1", "jpt_cached_b8", "jpt_uncached_b1", "jpt_uncached_b8"):
        res[k] = headline[k]
    res["jpt_chars_per_s"] = headline["jpt_cached_b1"]["chars_per_s"]
    res["jpt_best_chars_per_s"] = max(r[k]["chars_per_s"] for r in res["jpt"].values()
                                      for k in ("jpt_cached_b1", "jpt_cached_b8"))

    if not args.skip_generative:
        log(f"generative baseline on {min(args.gen_n, len(docs))} documents...")
        gen = time_generative(docs[: args.gen_n], types)
        res["generative"] = gen
        res["generative_chars_per_s"] = gen["chars_per_s"]
        # same documents and batch size for both sides of the ratio
        jpt_same = time_jpt(engine, docs[: args.gen_n], types, thresholds, 1)
        res["jpt_vs_generative_speedup"] = jpt_same["chars_per_s"] / gen["chars_per_s"]
        log(f"  generative: {gen['chars_per_s']:.1f} chars/s; JPT {res['jpt_vs_generative_speedup']:.1f}x faster")
        save()
    if not args.skip_presidio:
        log("Presidio stock analyzer...")
        res["presidio"] = time_presidio(docs)
        res["presidio_chars_per_s"] = res["presidio"]["chars_per_s"]
        res["jpt_vs_presidio_throughput"] = res["jpt_best_chars_per_s"] / res["presidio_chars_per_s"]
        log(f"  presidio: {res['presidio_chars_per_s']:.0f} chars/s")
        save()
    del engine, engines
    if not args.skip_startup:
        log("start-up in fresh processes...")
        res["startup"] = time_startup(args.checkpoint, docs[0])
        res["cli_warm_start_s"] = res["startup"]["cli_warm_start_s"]
        res["peak_rss_mb"] = max(res["startup"]["warm_peak_rss_mb"], res["startup"]["cli_peak_rss_mb"])
    res["load_avg_1m_at_end"] = os.getloadavg()[0]
    res["targets"] = TARGETS
    save()

    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print_report(res)
    return 0


def print_report(res: dict) -> None:
    def row(name, d):
        lat = d.get("latency_ms_mean", d.get("batch_latency_ms_mean", float("nan")))
        print(f"  {name:<34} {d['chars_per_s']:>9.0f} chars/s {d['docs_per_s']:>7.2f} docs/s {lat:>9.1f} ms")

    print(f"{res['docs']} docs (mean {res['doc_chars_mean']:.0f} chars), {res['types']} types, "
          f"prefix {res['prefix_tokens']} tokens, model {res['model_id']}")
    for asked, r in res["jpt"].items():
        print(f"  [{asked} -> {r['backend']}: {r['selection_reason']}]")
        row("JPT, prefix cache, batch 1", r["jpt_cached_b1"])
        row("JPT, prefix cache, batch 8", r["jpt_cached_b8"])
        row(f"JPT, no prefix cache, batch 1 ({r['jpt_uncached_b1']['docs']} docs)", r["jpt_uncached_b1"])
        row(f"JPT, no prefix cache, batch 8 ({r['jpt_uncached_b8']['docs']} docs)", r["jpt_uncached_b8"])
    if "generative" in res:
        row(f"generative tagging ({res['generative']['docs']} docs)", res["generative"])
        print(f"  JPT vs generative: {res['jpt_vs_generative_speedup']:.1f}x (target {TARGETS['jpt_vs_generative_speedup']})")
    if "presidio" in res:
        row("Presidio stock analyzer", res["presidio"])
        print(f"  JPT best / Presidio: {res['jpt_vs_presidio_throughput']:.3f} (target {TARGETS['jpt_vs_presidio_throughput']})")
    if "startup" in res:
        s = res["startup"]
        print(f"  first load (empty cache): {s['cold_load_s']:.1f} s, peak RSS {s['cold_peak_rss_mb']:.0f} MB")
        print(f"  warm load + 1 doc:        {s['warm_load_s']:.1f} s, peak RSS {s['warm_peak_rss_mb']:.0f} MB")
        print("    phases: " + ", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}"
                                       for k, v in s["warm_phases"].items()))
        print(f"  warm CLI, 1 doc:          {s['cli_warm_start_s']:.1f} s, peak RSS {s['cli_peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
