"""`jpt-redact train --config FILE`: data -> groups -> cached features -> heads -> checkpoint.

Every stage resumes: feature shards already on disk are skipped, and head training
restarts from the last finished epoch (state saved after each epoch).
"""
from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path

from .config import load_train_config
from .groups import make_groups
from .sources import _one_level_per_hierarchy, build_pool, load_source, policy_definitions

from ..evaluate import f_beta

log = logging.getLogger("jpt_redact.train")


def _setup_logging(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(work / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    root = logging.getLogger("jpt_redact")
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)


def _feature_groups(shards, layer: int, encoder) -> list:
    import torch

    from .heads_training import FeatureGroup

    groups = []
    for path in shards:
        for rec in torch.load(path, weights_only=False):
            if rec["y"].numel() == 0:
                continue
            emb = torch.from_numpy(encoder.encode(rec["definitions"]))
            groups.append(FeatureGroup(rec["labels"], rec["definitions"], rec["feats"][layer], rec["y"].long(), emb))
    return groups


def calibrate_threshold(dev, heads, o_emb) -> tuple[float, list[dict]]:
    """The global threshold with the best span F2 on dev (recall weighs more for redaction)."""
    from .heads_training import span_f1

    table = []
    for thr in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
        m = span_f1(dev, heads, o_emb, threshold=thr)
        p, r = m["precision"], m["recall"]
        m["f2"] = f_beta(p, r, 2)
        table.append({"threshold": thr, **m})
    best = max(table, key=lambda row: row["f2"])
    return best["threshold"], table


def train_from_config(path: str | Path, *, resume: bool = True) -> Path:
    import torch

    from ..model.backbone import load_backbone
    from ..model.checkpoint import CheckpointConfig, save_checkpoint
    from ..model.encoder import DefinitionEncoder
    from ..runtime.torch_backend import TorchBackend
    from .features import extract_groups
    from .heads_training import train_heads

    cfg = load_train_config(path)
    work = Path(cfg.work_dir)
    _setup_logging(work)
    if cfg.lora is not None:
        from .lora_run import train_lora_from_config

        return train_lora_from_config(cfg, work)
    t_start = time.time()
    pool, mappings = build_pool(cfg)
    extra = policy_definitions(cfg.policies_as_definitions)
    backbone = load_backbone(cfg.backbone, layer=max(cfg.layers))
    backend = TorchBackend(backbone)
    # one feature directory per source, so sources can be extracted (and budgeted) separately
    shards, dev_shards, n_examples, n_groups, feat_seconds = [], [], 0, 0, 0.0
    for src in cfg.sources:
        examples = load_source(cfg, src, mappings)
        groups = make_groups(examples, pool, random.Random(f"{cfg.seed}:{src.corpus}"), group_size=cfg.group_size,
                             max_types=cfg.max_types, negatives=tuple(cfg.negatives), extra_defs=extra,
                             per_group=_one_level_per_hierarchy if src.corpus == "synth" else None)
        n_dev = max(1, int(len(groups) * cfg.dev_fraction))
        log.info("source %s: %d examples in %d groups (%d dev)", src.corpus, len(examples), len(groups), n_dev)
        feat_dir = work / "features" / src.corpus
        if not resume:
            for f in feat_dir.glob("shard-*.pt"):
                f.unlink()
        t_feat = time.time()
        # dev groups first, in their own shards, so a time budget never eats the dev set
        dev_shards += extract_groups(backend, backbone.tokenizer, groups[:n_dev], cfg.layers, feat_dir / "dev",
                                     max_tokens=cfg.max_tokens, groups_per_shard=cfg.groups_per_shard)
        shards += extract_groups(backend, backbone.tokenizer, groups[n_dev:], cfg.layers, feat_dir / "train",
                                 max_tokens=cfg.max_tokens, groups_per_shard=cfg.groups_per_shard,
                                 budget_seconds=src.feature_minutes * 60 if src.feature_minutes else None)
        feat_seconds += time.time() - t_feat
        n_examples += len(examples)
        n_groups += len(groups)
    encoder = DefinitionEncoder(cfg.encoder)
    o_def = CheckpointConfig.__dataclass_fields__["o_definition"].default
    o_emb = torch.from_numpy(encoder.encode([o_def]))[0]

    # layer selection: short runs per candidate, best dev span F1 wins
    results = {}
    best_layer = cfg.layers[0]
    if len(cfg.layers) > 1:
        for layer in cfg.layers:
            dev, train = _feature_groups(dev_shards, layer, encoder), _feature_groups(shards, layer, encoder)
            _, hist = train_heads(train, dev, d_llm=backbone.hidden_size, d_enc=encoder.dim, o_emb=o_emb,
                                  epochs=cfg.select_epochs, cfg=cfg)
            results[layer] = hist[-1]
            log.info("layer %d after %d epochs: %s", layer, cfg.select_epochs, hist[-1])
        best_layer = max(cfg.layers, key=lambda k: (results[k].get("f1", 0), -k))
    dev, train = _feature_groups(dev_shards, best_layer, encoder), _feature_groups(shards, best_layer, encoder)
    state_file = work / f"state-L{best_layer}.pt"
    state = torch.load(state_file, weights_only=False) if resume and state_file.exists() else None

    def save_state(heads, opt, sched, epoch, history):
        tmp = state_file.with_suffix(".tmp")
        torch.save({"heads": heads.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                    "epoch": epoch, "history": history}, tmp)
        tmp.replace(state_file)

    t_heads = time.time()
    heads, history = train_heads(train, dev, d_llm=backbone.hidden_size, d_enc=encoder.dim, o_emb=o_emb,
                                 epochs=cfg.epochs, cfg=cfg, state=state, on_epoch=save_state)
    threshold, table = calibrate_threshold(dev, heads, o_emb)
    summary = {
        "layer": best_layer, "layer_selection": {str(k): v for k, v in results.items()},
        "history": history, "calibrated_threshold": threshold, "threshold_table": table,
        "examples": n_examples, "groups": n_groups, "train_groups_used": len(train), "dev_groups": len(dev),
        "sources": [s.model_dump() for s in cfg.sources],
        "feature_seconds": round(feat_seconds, 1), "heads_seconds": round(time.time() - t_heads, 1),
        "total_seconds": round(time.time() - t_start, 1),
    }
    (work / "summary.json").write_text(json.dumps(summary, indent=2))
    ck = CheckpointConfig(
        backbone_id=backbone.model_id, backbone_sha256=backbone.weights_sha256, encoder_id=encoder.encoder_id,
        d_llm=backbone.hidden_size, d_enc=encoder.dim,
        layer=best_layer if best_layer < backbone.num_layers_total else None,
        training={k: summary[k] for k in ("layer", "calibrated_threshold", "examples", "groups", "feature_seconds",
                                          "heads_seconds", "total_seconds")} | {"final": history[-1] if history else {}},
    )
    out = save_checkpoint(cfg.output_dir, ck, heads.state_dict())
    log.info("checkpoint written to %s", out)
    return out
