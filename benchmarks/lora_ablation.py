"""LoRA choices measured side by side on one cache: dev span F1 after a fixed budget of steps.

    python benchmarks/lora_ablation.py --work runs/v3 --sources multiconer2,wnut17,btc --steps 150

Reads the lower-layer cache a training run wrote (`<work>/hidden/<source>/{train,dev}`; the
cache holds the states entering layer 16 - K_max + 1 with K_max the run's `top_layers`) and
trains each variant from the same warm-started heads for the same number of steps:

- `heads-only` (r = 0: the frozen backbone, as the shipped v2 model);
- LoRA on the top K layers for K <= K_max (the layers between the cache and the adapted
  ones run frozen in every step), at several ranks.

Prints one row per variant: dev token-run span P/R/F1 at threshold 0.5, seconds per step,
and F1 gain per hour of training on this machine. Numbers are for choosing settings, not
final model quality (they use a small step budget and the run's dev groups).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="runs/v3")
    ap.add_argument("--config", default="jpt_redact/train/configs/default.yaml")
    ap.add_argument("--sources", default="multiconer2,wnut17,btc")
    ap.add_argument("--steps", type=int, default=150)
    ap.add_argument("--variants", default="heads-only,K2r16,K4r8,K4r16,K4r32")
    ap.add_argument("--json", default=None)
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(2)
    from jpt_redact.model.backbone import load_backbone
    from jpt_redact.model.encoder import DefinitionEncoder
    from jpt_redact.model.heads import O_DEFINITION
    from jpt_redact.train.adapters import add_lora
    from jpt_redact.train.config import load_train_config
    from jpt_redact.train.lora_run import _warm_heads
    from jpt_redact.train.lora_training import evaluate_groups, load_cached_groups, train_lora
    from jpt_redact.train.top_layers import TopLayers

    cfg = load_train_config(args.config)
    work = Path(args.work)
    k_max = cfg.lora.top_layers
    sources = args.sources.split(",")
    train_shards = sorted(p for s in sources for p in (work / "hidden" / s / "train").glob("shard-*.pt"))
    dev_shards = sorted(p for s in sources for p in (work / "hidden" / s / "dev").glob("shard-*.pt"))
    encoder = DefinitionEncoder(cfg.encoder)
    o_emb = torch.from_numpy(encoder.encode([O_DEFINITION]))[0]
    train, dev = load_cached_groups(train_shards, encoder), load_cached_groups(dev_shards, encoder)
    print(f"{len(train)} train groups, {len(dev)} dev groups from {sources}", flush=True)
    rows = []
    for variant in args.variants.split(","):
        backbone = load_backbone(cfg.backbone, layer=cfg.layers[0])
        layer = backbone.num_layers_used
        first_cached = layer - k_max
        heads = _warm_heads(cfg.lora.warm_start_heads, backbone, layer, encoder.dim, cfg.dropout)
        if variant == "heads-only":
            k, rank = 0, 0
        else:
            k, rank = (int(x) for x in variant[1:].split("r"))
        spec = cfg.lora.model_copy(update={"max_steps": args.steps, "top_layers": k, "rank": max(rank, 1),
                                           "save_every": 10**9, "log_every": 10**9})
        run_cfg = cfg.model_copy(update={"lora": spec})
        peft_model = add_lora(backbone.model, layer - max(k, 1), rank=max(rank, 1), alpha=2 * max(rank, 1),
                              dropout=spec.dropout, modules=spec.modules)
        if k == 0:  # heads only: adapters exist but never train
            for n, p in peft_model.named_parameters():
                p.requires_grad_(False)
        top = TopLayers(peft_model.base_model.model, first_cached)
        state = Path(f"/tmp/jpt-ablation-{variant}.pt")
        state.unlink(missing_ok=True)
        t0 = time.time()
        train_lora(top=top, peft_model=peft_model, heads=heads, train=train, dev=dev, o_emb=o_emb, cfg=run_cfg,
                   state_file=state, trainable_lora=k > 0)
        seconds = time.time() - t0
        peft_model.eval()
        heads.eval()
        m = evaluate_groups(top, heads, dev, o_emb, spec.examples_per_step)
        row = {"variant": variant, "top_layers": k, "rank": rank, "steps": args.steps,
               "seconds_per_step": round(seconds / args.steps, 2), **{x: round(m[x], 4) for x in ("precision", "recall", "f1")}}
        rows.append(row)
        state.unlink(missing_ok=True)
        print(json.dumps(row), flush=True)
    base = next((r for r in rows if r["variant"] == "heads-only"), None)
    print("\n| variant | K | r | dev P | dev R | dev F1 | s/step | F1 gain over heads-only per hour |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        gain = ""
        if base and r is not base:
            hours = r["seconds_per_step"] * r["steps"] / 3600
            gain = f"{(r['f1'] - base['f1']) / max(hours, 1e-9):+.3f}"
        print(f"| {r['variant']} | {r['top_layers']} | {r['rank']} | {r['precision']:.3f} | {r['recall']:.3f} | "
              f"{r['f1']:.3f} | {r['seconds_per_step']} | {gain} |")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
