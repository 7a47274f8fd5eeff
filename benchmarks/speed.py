"""Speed of jpt-redact on CPU, side by side with Presidio in one run, plus start-up time.

    python benchmarks/speed.py [--n-short 100] [--n-long 12] [--backends auto] [--variants packed,padded]
                               [--gen-n 4] [--out speed.json] [--json]

All numbers come from one run on the current machine, whose CPU (model, torch's dispatch
level, AVX512-BF16 / AMX / VNNI, physical cores) and load are recorded with them:

- Documents: `short` — synthetic dev documents of 60-140 characters (`generate(..., seed=7,
  split="dev")`, ~100 on average); `long` — consecutive ones joined into 1-2k characters.
- jpt-redact, for each backend in --backends and engine variant in --variants (`packed`: the
  default; `padded`: `backend_options: {packing: false}`, right-padded batches as before;
  `fp32` / `bf16`: the packed engine with `torch_precision` forced, to set auto's choice beside both;
  `short-prompt`: the packed engine with benchmarks/prompt_channel.py's short prompt forms):
  `Redactor.analyze_many` on 32 documents per call (what `jpt-redact analyze` does: model,
  recognizers, resolver), chars/s, and user/wall of the process (2.0 = both cores busy);
  `engine.score` alone on the same documents (the model's share).
- Presidio's stock AnalyzerEngine with the small spaCy model, on the same documents,
  **interleaved** with jpt-redact: --rounds rounds of (Presidio, jpt-redact) on each set, the
  order alternating, so both see the same load. The ratio jpt/Presidio is the median of the
  per-round ratios (targets: short >= 1/6, long >= 1/4); the CPU-time ratio (chars per CPU
  second, all threads) is recorded too, being what a loaded machine distorts least.
- Generative tagging with the same backbone (the paper's baseline), --gen-n documents.
- Start-up in fresh processes: `load_engine()` + one document with an empty JPT_REDACT_CACHE
  (GGUF conversion, converted store, definition embeddings, prefix) and again warm; the CLI
  (`echo text | jpt-redact - -p default -q`) cold and warm, with the bytes it wrote to stderr.

Speed does not depend on the head weights, so `--checkpoint` may point at a random-heads
checkpoint with the default backbone and layer.
"""
from __future__ import annotations

import argparse
import json
import logging
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
    "short_jpt_vs_presidio": ">= 0.167",
    "long_jpt_vs_presidio": ">= 0.25",
    "cli_warm_start_s": "<= 3",
    "cli_cold_start_s": "<= 30",
    "cli_stderr_bytes_quiet": "== 0",
    "jpt_vs_generative_speedup": ">= 20",
}
DOCS_PER_CALL = 32  # the Redactor's default (redactor.DEFAULT_DOCS_PER_CALL)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# -- machine ----------------------------------------------------------------------------------------
def machine() -> dict:
    import torch

    from jpt_redact.runtime.cpu import choose_precision, cpu_features

    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    feats = cpu_features()
    precision, why = choose_precision("auto", "cpu")
    return {"cpu_model": model, "cpu_features": feats.describe(), "capability": feats.capability,
            "avx512_bf16": feats.avx512_bf16, "amx": feats.amx, "vnni": feats.vnni,
            "physical_cores": feats.physical_cores, "logical_cpus": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch_precision_auto": precision, "precision_reason": why,
            "python": platform.python_version(), "torch": torch.__version__, "load_avg_1m_at_start": os.getloadavg()[0]}


# -- documents --------------------------------------------------------------------------------------
def document_sets(n_short: int, n_long: int) -> dict[str, list[str]]:
    from jpt_redact.train.synth import generate

    pool = [ex.text for ex in generate(max(400, 6 * n_short + 12 * n_long), seed=7, split="dev")]
    short = [d for d in pool if 60 <= len(d) <= 140][:n_short]
    long, cur = [], []
    for d in pool:
        if len(long) >= n_long:
            break
        if cur and len("\n\n".join(cur + [d])) > 2000:
            if len("\n\n".join(cur)) >= 1000:
                long.append("\n\n".join(cur))
            cur = []
        cur.append(d)
    return {"short": short, "long": long}


def policy_and_settings(checkpoint: str | None):
    from jpt_redact.policy import load_policy

    policy = load_policy("default")
    settings = policy.model
    if checkpoint:
        settings = settings.model_copy(update={"checkpoint": checkpoint})
    return policy, settings


# -- jpt-redact ------------------------------------------------------------------------------------------
def timed(fn) -> dict:
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"wall_s": wall, "cpu_s": cpu, "user_per_wall": cpu / wall}


def _rates(runs: list[dict], chars: int) -> dict:
    """Totals over rounds: chars per wall second, per CPU second, and user/wall."""
    wall, cpu = sum(r["wall_s"] for r in runs), sum(r["cpu_s"] for r in runs)
    return {"wall_s": wall, "cpu_s": cpu, "user_per_wall": cpu / wall, "chars_per_s": chars * len(runs) / wall,
            "chars_per_cpu_s": chars * len(runs) / cpu}


def time_jpt(redactor, engine, docs: list[str], types: dict, analyzer, rounds: int) -> dict:
    chars = sum(len(d) for d in docs)
    redactor.analyze_many(docs[:4], batch_size=4)  # warm-up: prefix, kernels, lazy inits

    def analyze():
        for i in range(0, len(docs), DOCS_PER_CALL):
            redactor.analyze_many(docs[i : i + DOCS_PER_CALL], batch_size=DOCS_PER_CALL)

    def score():
        for i in range(0, len(docs), DOCS_PER_CALL):
            engine.score(docs[i : i + DOCS_PER_CALL], types)

    per_round = []
    for r in range(rounds):
        # alternate who goes first, so a load change within a round hits both sides alike
        first, second = ("presidio", "jpt") if r % 2 == 0 else ("jpt", "presidio")
        row = {"load_avg_1m": os.getloadavg()[0]}
        for who in (first, second):
            if who == "jpt":
                row["jpt"] = timed(analyze)
            elif analyzer is not None:
                row["presidio"] = timed(lambda: [analyzer.analyze(text=d, language="en") for d in docs])
        if "presidio" in row:
            row["ratio"] = row["presidio"]["wall_s"] / row["jpt"]["wall_s"]
            row["cpu_ratio"] = row["presidio"]["cpu_s"] / row["jpt"]["cpu_s"]
        per_round.append(row)
    s = timed(score)
    t0 = time.perf_counter()
    redactor.analyze_many(docs[:1], batch_size=1)
    one = time.perf_counter() - t0
    out = {"analyze": {**_rates([r["jpt"] for r in per_round], chars), "docs_per_s": None},
           "engine_score": {**s, "chars_per_s": chars / s["wall_s"]}, "one_doc_ms": 1000 * one,
           "docs": len(docs), "chars": chars, "rounds": per_round}
    out["analyze"]["docs_per_s"] = out["analyze"]["chars_per_s"] * len(docs) / chars
    if analyzer is not None:
        out["presidio"] = _rates([r["presidio"] for r in per_round], chars)
        out["jpt_vs_presidio"] = statistics.median(r["ratio"] for r in per_round)
        out["jpt_vs_presidio_cpu"] = statistics.median(r["cpu_ratio"] for r in per_round)
    return out


def bench_jpt(policy, settings, backend: str, variant: str, sets: dict, types: dict, analyzer=None,
              rounds: int = 3) -> dict:
    from jpt_redact.engine.loader import build_engine
    from jpt_redact.redactor import Redactor

    options = settings.backend_spec_options()
    if variant == "padded":
        options["packing"] = False
    elif variant in ("fp32", "bf16"):  # the packed engine at a forced precision (auto's choice side by side)
        options["torch_precision"] = variant
    elif variant == "short-prompt":  # leading clauses in the prompt, full definitions embedded
        from prompt_channel import short_prompt_policy

        policy = short_prompt_policy(policy)
        types = policy.model_types()
    engine = build_engine(settings.checkpoint, backbone=settings.backbone, encoder=settings.encoder, backend=backend,
                          window_tokens=settings.window_tokens, window_overlap=settings.window_overlap,
                          batch_size=settings.batch_size, backend_options=options)
    out = {"backend": engine.backend_name, "selection_reason": engine.selection_reason,
           "precision": getattr(engine.backend, "precision", None),
           "precision_reason": getattr(engine.backend, "precision_reason", None),
           "load_note": getattr(engine.backend, "load_note", None),
           "packing": bool(getattr(engine.backend, "supports_packing", False)),
           "prefix_tokens": len(engine.prepare(types).pieces.prefix_ids)}
    redactor = Redactor(policy, engine=engine)
    for name, docs in sets.items():
        out[name] = time_jpt(redactor, engine, docs, types, analyzer, rounds)
        r = out[name]["analyze"]
        vs = f", jpt/presidio {out[name]['jpt_vs_presidio']:.3f}" if analyzer is not None else ""
        log(f"  {backend}/{variant} {name}: {r['chars_per_s']:.0f} chars/s analyze, "
            f"{out[name]['engine_score']['chars_per_s']:.0f} engine, user/wall {r['user_per_wall']:.2f}{vs}")
    return out


# -- generative baseline ---------------------------------------------------------------------------
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
            out = model.generate(**ids, do_sample=False, max_new_tokens=n_new, min_new_tokens=n_new,
                                 pad_token_id=tok.pad_token_id or tok.eos_token_id)
        return time.perf_counter() - t, int(out.shape[1] - ids["input_ids"].shape[1])

    run(docs[0][:60])  # warm-up
    total, new_tokens = 0.0, 0
    for d in docs:
        dt, n = run(d)
        total += dt
        new_tokens += n
    return {"chars_per_s": sum(len(d) for d in docs) / total, "total_s": total, "new_tokens_per_s": new_tokens / total,
            "docs": len(docs)}


# -- Presidio -------------------------------------------------------------------------------------
def presidio_analyzer():
    import presidio_analyzer
    import yaml
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from jpt_redact.plugins.presidio import small_spacy_model

    # tldextract (Presidio's URL recognizer) tries to download a suffix list and logs a traceback
    # when offline, then uses its bundled snapshot; the traceback is noise in this report
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    model = small_spacy_model("en")
    if model is None:
        raise SystemExit("no small spaCy model installed: pip install 'jpt-redact[presidio]'")
    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    conf["models"] = [{"lang_code": "en", "model_name": model}]
    analyzer = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=conf).create_engine(),
                              supported_languages=["en"])
    analyzer.analyze(text="warm up: call John Smith at 555-0100", language="en")
    return analyzer, model


# -- start-up in fresh processes -------------------------------------------------------------------
# Runs a command as a child and reports its wall time, peak RSS (RUSAGE_CHILDREN of a wrapper
# that has no other children) and what it wrote to stderr.
_MEASURE = """
import json, resource, subprocess, sys, time
cmd, stdin = json.loads(sys.argv[1])
t = time.perf_counter()
p = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": p.returncode, "wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mb": ru.ru_maxrss / 1024,
                  "stderr_bytes": len(p.stderr.encode()), "stderr_tail": p.stderr[-400:], "stdout_tail": p.stdout[-1000:]}))
"""

_LOAD = """
import json, sys, time
t0 = time.perf_counter()
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
                  "first_predict_s": t4 - t3, "backend": engine.backend_name,
                  "modules": sorted(m for m in ("transformers", "peft", "sentence_transformers") if m in sys.modules)}))
"""


def measured(cmd: list[str], env: dict, stdin: str = "", *, phases: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-c", _MEASURE, json.dumps([cmd, stdin])], env=env,
                         capture_output=True, text=True, check=True)
    res = json.loads(out.stdout.strip().splitlines()[-1])
    if res["rc"] != 0:
        raise SystemExit(f"start-up run failed ({' '.join(cmd[:3])}...):\n{res['stderr_tail']}")
    out_lines = res.pop("stdout_tail").strip().splitlines()
    if phases and out_lines:
        res["phases"] = json.loads(out_lines[-1])
    if not res["stderr_bytes"]:
        del res["stderr_tail"]
    return res


def time_startup(checkpoint: str | None, doc: str) -> dict:
    import yaml

    from jpt_redact.policy import load_policy

    with tempfile.TemporaryDirectory(prefix="jpt-speed-") as tmp:
        load = [sys.executable, "-c", _LOAD, checkpoint or ""]
        policy_arg = "default"
        if checkpoint:
            raw = yaml.safe_load(Path(load_policy("default").source).read_text())
            raw.setdefault("model", {})["checkpoint"] = str(Path(checkpoint).resolve())
            policy_arg = str(Path(tmp) / "policy.yaml")
            Path(policy_arg).write_text(yaml.safe_dump(raw, sort_keys=False))
        script = Path(sys.executable).with_name("jpt-redact")  # the installed console script, no shim
        cli = ([str(script)] if script.is_file() else [sys.executable, "-m", "jpt_redact.cli.main"])
        cli += ["-", "--policy", policy_arg, "-q"]
        env = {**os.environ, "JPT_REDACT_CACHE": str(Path(tmp) / "cache")}
        log("  start-up: load_engine, first run, empty cache...")
        cold = measured(load, env, phases=True)
        log("  start-up: load_engine, second run, warm cache...")
        warm = measured(load, env, phases=True)
        # a policy's first CLI run on the numpy quick start computes its fp32 prefix (once)
        log("  start-up: jpt-redact CLI, first run on a warm cache...")
        cli_first_warm = measured(cli, env, doc)
        log("  start-up: jpt-redact CLI, warm cache (x3)...")
        cli_warm = [measured(cli, env, doc) for _ in range(3)]
        env_cold = {**os.environ, "JPT_REDACT_CACHE": str(Path(tmp) / "cache-cli")}
        log("  start-up: jpt-redact CLI, empty cache...")
        cli_cold = measured(cli, env_cold, doc)
    best = min(cli_warm, key=lambda r: r["wall_s"])
    return {"cold_load": cold, "warm_load": warm, "cli_first_warm": cli_first_warm, "cli_warm_runs": cli_warm,
            "cli_cold": cli_cold, "cli_first_warm_s": cli_first_warm["wall_s"],
            "cli_warm_start_s": statistics.median(r["wall_s"] for r in cli_warm), "cli_warm_best_s": best["wall_s"],
            "cli_cold_start_s": cli_cold["wall_s"],
            "cli_stderr_bytes_quiet": max([r["stderr_bytes"] for r in cli_warm] + [cli_cold["stderr_bytes"]])}


# -- main -----------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-short", type=int, default=100, help="short documents (60-140 characters)")
    ap.add_argument("--n-long", type=int, default=12, help="long documents (1-2k characters)")
    ap.add_argument("--gen-n", type=int, default=4, help="documents for the (slow) generative baseline; 0: skip")
    ap.add_argument("--out", help="also write the JSON here, updated after every stage")
    ap.add_argument("--checkpoint", help="checkpoint directory (default: the shipped one)")
    ap.add_argument("--backends", default="auto", help="comma-separated runtime backends (default: auto)")
    ap.add_argument("--variants", default="packed,padded",
                    help="engine variants: packed (default engine), padded (backend_options.packing: false), "
                         "fp32 / bf16 (packed, torch_precision forced), short-prompt (prompt_channel.py)")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved (Presidio, jpt-redact) rounds per set")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    ap.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = ap.parse_args(argv)

    sets = document_sets(args.n_short, args.n_long)
    policy, settings = policy_and_settings(args.checkpoint)
    types = policy.model_types()
    res: dict[str, Any] = {
        "machine": machine(), "checkpoint": args.checkpoint or "default", "types": len(types),
        "sets": {k: {"docs": len(v), "chars": sum(map(len, v)), "mean_chars": statistics.mean(map(len, v))}
                 for k, v in sets.items()},
        "docs_per_call": DOCS_PER_CALL, "targets": TARGETS,
    }

    def save() -> None:
        if args.out:
            tmp = Path(args.out + ".tmp")
            tmp.write_text(json.dumps(res, indent=1))
            os.replace(tmp, args.out)

    log(f"machine: {res['machine']['cpu_model']}, {res['machine']['cpu_features']}, "
        f"load {res['machine']['load_avg_1m_at_start']:.1f}")
    analyzer = None
    if not args.skip_presidio:
        analyzer, spacy_model = presidio_analyzer()
        res["presidio"] = {"spacy_model": spacy_model}
    res["jpt"] = {}
    for backend in args.backends.split(","):
        for variant in args.variants.split(","):
            res["jpt"][f"{backend}/{variant}"] = bench_jpt(policy, settings, backend, variant, sets, types, analyzer,
                                                           args.rounds)
            save()
    if analyzer is not None:  # the headline: the first backend/variant (the default engine)
        head = res["jpt"][f"{args.backends.split(',')[0]}/{args.variants.split(',')[0]}"]
        for k in sets:
            res["presidio"][f"{k}_chars_per_s"] = head[k]["presidio"]["chars_per_s"]
            res[f"{k}_jpt_vs_presidio"] = head[k]["jpt_vs_presidio"]
            res[f"{k}_jpt_vs_presidio_cpu"] = head[k]["jpt_vs_presidio_cpu"]
        save()
    if args.gen_n:
        log(f"generative baseline on {args.gen_n} short documents...")
        gen_docs = sets["short"][: args.gen_n]
        res["generative"] = time_generative(gen_docs, types)
        from jpt_redact.engine.loader import load_engine

        engine = load_engine(settings)
        t = timed(lambda: [engine.predict([d], types) for d in gen_docs])
        res["jpt_vs_generative_speedup"] = (sum(map(len, gen_docs)) / t["wall_s"]) / res["generative"]["chars_per_s"]
        save()
    if not args.skip_startup:
        log("start-up in fresh processes...")
        res["startup"] = time_startup(args.checkpoint, sets["short"][0])
        for k in ("cli_warm_start_s", "cli_cold_start_s", "cli_stderr_bytes_quiet"):
            res[k] = res["startup"][k]
    res["load_avg_1m_at_end"] = os.getloadavg()[0]
    save()
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print_report(res)
    return 0


def print_report(res: dict) -> None:
    m = res["machine"]
    print(f"{m['cpu_model']} ({m['cpu_features']}), {m['physical_cores']} cores, torch {m['torch']} "
          f"{m['torch_threads']} threads, auto precision {m['torch_precision_auto']}; load {m['load_avg_1m_at_start']:.1f}"
          f" -> {res['load_avg_1m_at_end']:.1f}")
    for name, s in res["sets"].items():
        print(f"  {name}: {s['docs']} docs, mean {s['mean_chars']:.0f} chars")
    for key, r in res["jpt"].items():
        print(f"  [{key}: {r['backend']}, {r['precision']}, packing {r['packing']}, prefix {r['prefix_tokens']} tokens]")
        for name in res["sets"]:
            a = r[name]["analyze"]
            vs = (f"  presidio {r[name]['presidio']['chars_per_s']:>6.0f}  jpt/presidio {r[name]['jpt_vs_presidio']:.3f}"
                  f" (cpu {r[name]['jpt_vs_presidio_cpu']:.3f})") if "presidio" in r[name] else ""
            print(f"    {name:<6} analyze {a['chars_per_s']:>7.0f} chars/s  engine {r[name]['engine_score']['chars_per_s']:>7.0f}"
                  f"  user/wall {a['user_per_wall']:.2f}  one doc {r[name]['one_doc_ms']:.0f} ms{vs}")
    if "presidio" in res:
        for name in res["sets"]:
            print(f"  presidio {name}: {res['presidio'].get(f'{name}_chars_per_s', 0):.0f} chars/s; "
                  f"jpt/presidio {res.get(f'{name}_jpt_vs_presidio', float('nan')):.3f} median of rounds "
                  f"(target {TARGETS[f'{name}_jpt_vs_presidio']}); CPU-time ratio {res.get(f'{name}_jpt_vs_presidio_cpu', float('nan')):.3f}")
    if "generative" in res:
        print(f"  generative {res['generative']['chars_per_s']:.1f} chars/s; JPT {res['jpt_vs_generative_speedup']:.1f}x")
    if "startup" in res:
        s = res["startup"]
        print(f"  load_engine + 1 doc: cold {s['cold_load']['wall_s']:.1f} s, warm {s['warm_load']['wall_s']:.1f} s "
              f"(phases {s['warm_load'].get('phases')})")
        print(f"  CLI: warm {s['cli_warm_start_s']:.2f} s (best {s['cli_warm_best_s']:.2f}; the policy's first quick-start "
              f"run {s['cli_first_warm_s']:.2f} s), cold {s['cli_cold_start_s']:.1f} s, "
              f"stderr bytes with -q {s['cli_stderr_bytes_quiet']}, peak RSS {s['cli_cold']['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
