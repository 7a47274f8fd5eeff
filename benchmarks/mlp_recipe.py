"""Where the native decoder's MLP rounds under bf16, timed side by side in one process.

    python benchmarks/mlp_recipe.py [--n-short 64] [--n-long 8] [--rounds 5] [--json OUT]

`NativeDecoder._mlp` keeps the 2 x 1536-wide intermediate in the GEMM dtype between its two
products ("bf16-intermediate", shipped). The alternative ("fp32-round-trip", the recipe before
2026-12-03) takes the first product's output to fp32 for SiLU and the gate and back to bf16 for
the second product. One engine (default policy, torch backend, bf16) scores speed.py's short and
long documents with each recipe, rounds interleaved and the order alternating, so both see the
same load; the figure is the median of the per-round ratios. Timing only: the quality of the
shipped recipe is benchmarks/precision_gate.py's job (the prefix here is the one the engine
built, so spans are not compared). Exits 2 where bf16 is not the engine's precision.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def fp32_round_trip():
    import torch.nn.functional as F

    def mlp(h, w):
        gate, up = F.linear(h, w["gate_up"]).float().chunk(2, -1)
        return F.linear((F.silu(gate) * up).to(h.dtype), w["down"]).float()

    return mlp


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-short", type=int, default=64)
    ap.add_argument("--n-long", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args(argv)

    import torch

    from jpt_redact.engine.loader import load_engine
    from jpt_redact.runtime.cpu import cpu_features
    from jpt_redact.runtime.native import NativeDecoder
    from speed import document_sets, policy_and_settings

    policy, settings = policy_and_settings(None)
    settings = settings.model_copy(update={"backend": "torch"})
    engine = load_engine(settings)
    decoder = engine.backend.model
    if not isinstance(decoder, NativeDecoder) or decoder.dtype != torch.bfloat16:
        print(f"mlp_recipe: the engine runs {type(decoder).__name__} in {getattr(decoder, 'dtype', '?')}, not the "
              "native bf16 decoder; nothing to compare on this host", file=sys.stderr)
        return 2
    recipes = {"bf16-intermediate": decoder._mlp, "fp32-round-trip": fp32_round_trip()}
    types = policy.model_types()
    sets = document_sets(args.n_short, args.n_long)
    engine.score(sets["short"][:2], types)
    result = {"cpu": cpu_features().describe(), "torch_threads": torch.get_num_threads(),
              "load_avg_1m_start": os.getloadavg()[0], "rounds": args.rounds, "sets": {}}
    for name, docs in sets.items():
        chars = sum(map(len, docs))
        timings: dict[str, list[float]] = {r: [] for r in recipes}
        for i in range(args.rounds):
            order = list(recipes) if i % 2 == 0 else list(reversed(recipes))
            for recipe in order:
                decoder._mlp = recipes[recipe]
                t = time.perf_counter()
                engine.score(docs, types)
                timings[recipe].append(time.perf_counter() - t)
        ratios = [old / new for new, old in zip(timings["bf16-intermediate"], timings["fp32-round-trip"])]
        result["sets"][name] = {
            "documents": len(docs), "chars": chars,
            **{f"{r}_chars_per_s": round(chars / statistics.median(ts), 1) for r, ts in timings.items()},
            "speedup_median": round(statistics.median(ratios), 3), "speedup_per_round": [round(r, 3) for r in ratios]}
        print(f"{name}: {len(docs)} documents, {chars} chars: " + ", ".join(
            f"{r} {chars / statistics.median(ts):.0f} chars/s" for r, ts in timings.items())
              + f"; bf16-intermediate / fp32-round-trip = {statistics.median(ratios):.3f} (median of {args.rounds})")
    decoder.__dict__.pop("_mlp", None)
    result["load_avg_1m_end"] = os.getloadavg()[0]
    print(f"cpu: {result['cpu']}; load average {result['load_avg_1m_start']:.2f} -> {result['load_avg_1m_end']:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
