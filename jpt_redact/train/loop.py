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
from typing import Any

from ..errors import DataError
from .config import TrainConfig, load_train_config
from ..data import Example
from .corpora import load_corpus
from .label_defs import load_corpus_definitions
from .groups import LabelPool, canonicalize, make_groups

log = logging.getLogger("jpt_redact.train")


def _setup_logging(work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(work / "train.log")
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(message)s"))
    root = logging.getLogger("jpt_redact")
    if not any(isinstance(h, logging.FileHandler) for h in root.handlers):
        root.addHandler(handler)
    root.setLevel(logging.INFO)


def build_pool(cfg: TrainConfig) -> tuple[LabelPool, dict[str, Any]]:
    corpora = load_corpus_definitions()
    defs: dict[str, list[str]] = {}
    kinds: dict[str, str] = {}
    source_labels: dict[str, set[str]] = {}
    excluded: dict[str, set[str]] = {}
    mappings = {}
    for name, cd in corpora.items():
        source = "synth" if name == "pii" else name
        mappings[source] = cd.labels
        excluded[source] = set(cd.exclude_negative_kinds)
        for raw, ld in cd.labels.items():
            defs.setdefault(ld.label, [])
            defs[ld.label].extend(d for d in ld.definitions if d not in defs[ld.label])
            kinds.setdefault(ld.label, ld.kind)
            source_labels.setdefault(source, set()).add(ld.label)
    return LabelPool(defs, kinds, source_labels, excluded), mappings


def policy_definitions(names: list[str]) -> dict[str, list[str]]:
    from ..policy import load_policy

    extra: dict[str, list[str]] = {}
    for name in names:
        for label, et in load_policy(name).entities.items():
            if et.model:
                extra.setdefault(label, []).append(et.definition)
    return extra


def load_source(cfg: TrainConfig, src, mappings: dict) -> list[Example]:
    rng = random.Random(f"{cfg.seed}:{src.corpus}")
    if src.corpus == "synth":
        from .synth import generate

        items = list(generate(src.max_examples, seed=cfg.seed, split="train"))
        for ex in items:
            ex.source = "synth"
        return items
    if src.corpus not in mappings:
        raise DataError(f"no label definitions for corpus {src.corpus!r}")
    items = [canonicalize(ex, mappings[src.corpus]) for ex in load_corpus(src.corpus, "train")]
    rng.shuffle(items)
    return items[: src.max_examples]


def _one_level_per_hierarchy(chunk, rng):
    """Synthetic labels nest (DATE_OF_BIRTH < DATE < DATE_TIME, VIN < VEHICLE_ID, ...): a type set
    holding two levels of one hierarchy would have overlapping definitions, so each group
    shows one level (spans outside it become O, as its definition excludes them)."""
    from .sampling import choose_levels

    levels = {root: rng.choices(list(weights), weights=list(weights.values()))[0]
              for root, weights in _LEVEL_WEIGHTS.items()}
    return [choose_levels(ex, rng, levels) for ex in chunk]


# The broad level is what policies mostly ask for, so it is shown most often; the narrow
# levels teach the model that a definition's exclusions matter.
_LEVEL_WEIGHTS = {
    "PERSON": {"PERSON": 0.85, "CARDHOLDER_NAME": 0.15},
    "DATE_TIME": {"DATE_TIME": 0.5, "DATE": 0.35, "DATE_OF_BIRTH": 0.15},
    "AGE": {"AGE": 0.7, "AGE_OVER_89": 0.3},
    "VEHICLE_ID": {"VEHICLE_ID": 0.5, "VIN": 0.25, "LICENSE_PLATE": 0.25},
}


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
        m["f2"] = 5 * p * r / max(1e-9, 4 * p + r)
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
                             max_types=cfg.max_types, extra_defs=extra,
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
