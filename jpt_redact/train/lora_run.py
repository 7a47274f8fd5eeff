"""`jpt-redact train --config FILE` with a `lora:` section: cache -> LoRA + heads -> checkpoint.

1. Each source's examples are split into dev and train by a stable hash of their text (so a
   resumed or extended run never moves an example across), cut into groups, and each group
   gets its own type set from a generator seeded by (seed, source, split, group number): the
   plan of one source never depends on which other corpora or definitions exist.
2. The frozen lower layers run once over every group (`hidden_cache.py`; dev first and never
   budgeted, train within `cache_minutes`).
3. LoRA on the top `top_layers` layers plus the heads train over the cache
   (`lora_training.py`), resuming from `lora-state.pt`.
4. A global threshold is picked on dev (span F2), and the checkpoint is written with the
   adapter in `lora/` (merged into the backbone when the engine loads it).
"""
from __future__ import annotations

import hashlib
import json
import logging
import random
import shutil
import tempfile
import time
from pathlib import Path

from ..errors import ModelError
from ..evaluate import f_beta
from .config import TrainConfig
from .groups import Group, make_groups

log = logging.getLogger("jpt_redact.train")


def is_dev(text: str, fraction: float) -> bool:
    h = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    return h / 2**64 < fraction


def plan_groups(examples, pool, *, source: str, split: str, cfg: TrainConfig, extra, per_group) -> list[Group]:
    groups = []
    for i, g0 in enumerate(range(0, len(examples), cfg.group_size)):
        rng = random.Random(f"{cfg.seed}:{source}:{split}:{i}")
        groups += make_groups(examples[g0 : g0 + cfg.group_size], pool, rng, group_size=cfg.group_size,
                              max_types=cfg.max_types, negatives=tuple(cfg.negatives), extra_defs=extra,
                              per_group=per_group)
    return groups


def _held_out_domain(example, domains) -> bool:
    """True when the example belongs to a held-out domain (a dialogue touching it counts too)."""
    if not domains:
        return False
    seen = {example.meta.get("domain"), *(example.meta.get("dialogue_domains") or ())}
    return bool(seen & set(domains))


def _minutes(m: float | None) -> float | None:
    return m * 60 if m else None


def _drop_holdout(pool, holdout: set[str]):
    """Labels annotated only by held-out corpora leave the pool: never positives, never negatives."""
    seen_elsewhere = set().union(*(labs for src, labs in pool.source_labels.items() if src not in holdout))
    for src in holdout:
        for lab in pool.source_labels.get(src, set()) - seen_elsewhere:
            pool.defs.pop(lab, None)
    return pool


def _warm_heads(ref: str | None, backbone, layer: int, d_enc: int, dropout: float):
    from ..model.checkpoint import load_checkpoint_config, load_heads_state
    from ..model.heads import JPTHeads

    heads = JPTHeads(backbone.hidden_size, d_enc, dropout=dropout)
    if ref:
        path, ck = load_checkpoint_config(ref)
        if _same_cut(ck, backbone, layer) and ck.d_enc == d_enc:
            heads.load_state_dict(load_heads_state(path))
            log.info("lora: heads warm-started from %s", path)
        else:
            log.info("lora: %s does not match this backbone/layer; heads start fresh", path)
    return heads


def _same_cut(ck, backbone, layer: int) -> bool:
    """Whether a checkpoint was trained on this backbone cut at this layer."""
    return ck.backbone_sha256 == backbone.weights_sha256 and (ck.layer or backbone.num_layers_total) == layer


def _warm_lora(spec, peft_model, backbone, layer: int) -> None:
    """Start the adapter from a checkpoint's (continued training); refused unless shapes and targets match."""
    if not spec.warm_start_lora:
        return
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    from ..model.checkpoint import load_checkpoint_config

    path, ck = load_checkpoint_config(spec.warm_start_lora)
    want = {"rank": spec.rank, "top_layers": spec.top_layers, "modules": list(spec.modules)}
    got = {k: (ck.lora or {}).get(k) for k in want}
    if not _same_cut(ck, backbone, layer) or got != want:
        raise ModelError(f"warm_start_lora {path}: adapter {got} on layer {ck.layer} does not match {want} on {layer}")
    result = set_peft_model_state_dict(peft_model, load_file(str(Path(path) / "lora" / "adapter_model.safetensors")))
    missing = [k for k in getattr(result, "missing_keys", []) if "lora_" in k]
    if missing:
        raise ModelError(f"warm_start_lora {path}: {len(missing)} adapter tensors missing, e.g. {missing[0]}")
    log.info("lora: adapter warm-started from %s", path)


def _train_bf16(precision: str) -> bool:
    from ..runtime.cpu import cpu_features

    feats = cpu_features()
    bf16 = precision == "bf16" or (precision == "auto" and feats.native_bf16)
    log.info("training precision: %s (%s; CPU %s)", "bf16 autocast" if bf16 else "fp32", precision, feats.describe())
    return bf16


def train_lora_from_config(cfg: TrainConfig, work: Path) -> Path:
    import torch

    from ..model.backbone import load_backbone
    from ..model.checkpoint import CheckpointConfig, save_checkpoint
    from ..model.encoder import DefinitionEncoder
    from ..model.heads import O_DEFINITION
    from .adapters import add_lora
    from .hidden_cache import BottomPass, cache_groups
    from .lora_training import evaluate_groups, load_cached_groups, train_lora
    from .sources import _one_level_per_hierarchy, build_pool, load_source, policy_definitions

    spec = cfg.lora
    t_start = time.time()
    holdout = set(cfg.holdout_corpora)
    pool, mappings = build_pool(cfg)
    pool = _drop_holdout(pool, holdout)
    extra = policy_definitions(cfg.policies_as_definitions)
    backbone = load_backbone(cfg.backbone, layer=cfg.layers[0])
    layer = backbone.num_layers_used
    first = layer - spec.top_layers
    bf16 = _train_bf16(cfg.precision)
    bottom = BottomPass(backbone, first, bf16=bf16)
    train_shards, dev_shards, counts = [], [], {}
    t_cache = time.time()
    for src in cfg.sources:
        if src.corpus in holdout:
            raise ValueError(f"source {src.corpus} is also a held-out corpus")
        examples = [ex for ex in load_source(cfg, src, mappings) if not _held_out_domain(ex, src.exclude_domains)]
        dev_ex = [ex for ex in examples if is_dev(ex.text, cfg.dev_fraction)]
        train_ex = [ex for ex in examples if not is_dev(ex.text, cfg.dev_fraction)]
        per_group = _one_level_per_hierarchy if src.corpus == "synth" else None
        plans = {split: plan_groups(exs, pool, source=src.corpus, split=split, cfg=cfg, extra=extra, per_group=per_group)
                 for split, exs in (("dev", dev_ex), ("train", train_ex))}
        base = work / "hidden" / src.corpus
        dev_shards += cache_groups(bottom, backbone.tokenizer, plans["dev"], base / "dev",
                                   groups_per_shard=cfg.groups_per_shard, max_tokens=cfg.max_tokens)
        got = cache_groups(bottom, backbone.tokenizer, plans["train"], base / "train",
                           groups_per_shard=cfg.groups_per_shard, max_tokens=cfg.max_tokens,
                           budget_seconds=_minutes(src.feature_minutes or spec.cache_minutes))
        train_shards += got
        counts[src.corpus] = {"examples": len(examples), "dev_groups": len(plans["dev"]),
                              "train_groups": len(plans["train"]), "train_shards_cached": len(got)}
        log.info("source %s: %s", src.corpus, counts[src.corpus])
    cache_seconds = time.time() - t_cache
    del bottom

    encoder = DefinitionEncoder(cfg.encoder)
    o_emb = torch.from_numpy(encoder.encode([O_DEFINITION]))[0]
    paraphrases = {lab: [*pool.defs.get(lab, ()), *extra.get(lab, ())] for lab in set(pool.defs) | set(extra)}
    train = load_cached_groups(train_shards, encoder, spec.embed_form, paraphrases)
    dev = load_cached_groups(dev_shards, encoder, spec.embed_form, paraphrases)
    log.info("lora: %d train groups (%d examples), %d dev groups", len(train),
             sum(len(g.examples) for g in train), len(dev))
    heads = _warm_heads(spec.warm_start_heads, backbone, layer, encoder.dim, cfg.dropout)
    peft_model = add_lora(backbone.model, first, rank=spec.rank, alpha=spec.alpha, dropout=spec.dropout,
                          modules=spec.modules)
    _warm_lora(spec, peft_model, backbone, layer)
    from .top_layers import TopLayers

    top = TopLayers(peft_model.base_model.model, first, bf16=bf16)
    t_train = time.time()
    history = train_lora(top=top, peft_model=peft_model, heads=heads, train=train, dev=dev, o_emb=o_emb, cfg=cfg,
                         state_file=work / "lora-state.pt")
    train_seconds = time.time() - t_train
    peft_model.eval()
    heads.eval()
    table = evaluate_groups(top, heads, dev, o_emb, spec.examples_per_step,
                            thresholds=(0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6))
    for row in table:
        p, r = row["precision"], row["recall"]
        row["f2"] = f_beta(p, r, 2)
    best = max(table, key=lambda row: row["f2"])
    log.info("lora: dev span metrics by threshold %s", [{k: round(v, 4) if isinstance(v, float) else v
                                                          for k, v in r.items()} for r in table])
    summary = {
        "layer": layer, "top_layers": spec.top_layers, "lora": spec.model_dump(), "sources": counts,
        "holdout_corpora": sorted(holdout), "train_groups": len(train), "dev_groups": len(dev),
        "train_examples": sum(len(g.examples) for g in train), "history": history, "threshold_table": table,
        "calibrated_threshold": best["threshold"], "dev": best, "cache_seconds": round(cache_seconds, 1),
        "train_seconds": round(train_seconds, 1), "total_seconds": round(time.time() - t_start, 1),
        "precision": "bf16" if bf16 else "fp32",
        "distinct_types_trained": len({lab for g in train for lab in g.labels}),
        "labels_trained": sorted({lab for g in train for lab in g.labels}),
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    ck = CheckpointConfig(
        backbone_id=backbone.model_id, backbone_sha256=backbone.weights_sha256, encoder_id=encoder.encoder_id,
        d_llm=backbone.hidden_size, d_enc=encoder.dim, layer=layer if layer < backbone.num_layers_total else None,
        lora={"rank": spec.rank, "alpha": spec.alpha, "top_layers": spec.top_layers, "modules": list(spec.modules)},
        embed_form="gist" if spec.embed_form == "gist" else "as_written",
        training={k: summary[k] for k in ("layer", "top_layers", "calibrated_threshold", "train_groups",
                                          "train_examples", "distinct_types_trained", "labels_trained", "cache_seconds",
                                          "train_seconds", "total_seconds", "dev")},
    )
    tmp = Path(tempfile.mkdtemp(prefix="jpt-lora-"))
    try:
        # the local cache path of the backbone is no business of the shipped adapter
        peft_model.peft_config["default"].base_model_name_or_path = backbone.model_id
        peft_model.save_pretrained(str(tmp))
        (tmp / "README.md").unlink(missing_ok=True)  # peft's template card; docs/model-card.md is ours
        out = save_checkpoint(cfg.output_dir, ck, heads.state_dict(), lora_dir=str(tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("checkpoint written to %s", out)
    return out
