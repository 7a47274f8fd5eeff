"""Train the projection MLPs and bilinear heads on cached features (Appendix A.2 losses)."""
from __future__ import annotations

import logging
import math
import random
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ..evaluate import f_beta

log = logging.getLogger(__name__)


@dataclass
class FeatureGroup:
    labels: list[str]
    definitions: list[str]
    x: Any  # torch float16 [T, d]
    y: Any  # torch int64 [T]
    def_emb: Any  # torch float32 [N, d_enc]


def jpt_losses(soft, sig, y, *, o_weight: float, gamma: float, pos_weight: float):
    """Weighted cross-entropy over [O, types] + sigmoid focal loss per type."""
    import torch
    import torch.nn.functional as F

    n = soft.shape[-1]
    weights = torch.ones(n)
    weights[0] = o_weight
    ce = F.cross_entropy(soft, y, weight=weights)
    target = F.one_hot(y, n)[:, 1:].float()
    p = sig.sigmoid()
    pt = torch.where(target > 0, p, 1 - p)
    bce = F.binary_cross_entropy_with_logits(sig, target, reduction="none")
    focal = ((1 - pt) ** gamma) * bce * torch.where(target > 0, pos_weight, 1.0)
    return ce + focal.mean()


def span_f1(groups: Sequence[FeatureGroup], heads: Any, o_emb: Any, threshold: float = 0.5) -> dict:
    """Token-run (span) level P/R/F1 on held-out groups: runs of equal labels, exact match."""
    import torch

    def runs(labels: np.ndarray) -> set[tuple[int, int, int]]:
        out, start = set(), None
        for i in range(len(labels) + 1):
            cur = labels[i] if i < len(labels) else 0
            if start is not None and (cur != labels[start]):
                out.add((start, i, int(labels[start])))
                start = None
            if start is None and cur > 0:
                start = i
        return out

    tp = fp = fn = 0
    heads.eval()
    with torch.inference_mode():
        for g in groups:
            proj = heads.project_types(g.def_emb, o_emb)
            soft, sig = heads.logits(g.x.float(), proj)
            probs = heads.probabilities(soft, sig)
            best_p, best = probs.max(-1)
            pred = torch.where(best_p >= threshold, best + 1, 0).numpy()
            gold, guess = runs(g.y.numpy()), runs(pred)
            tp += len(gold & guess)
            fp += len(guess - gold)
            fn += len(gold - guess)
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {"precision": p, "recall": r, "f1": f_beta(p, r, 1), "tp": tp, "fp": fp, "fn": fn}


def train_heads(
    train: Sequence[FeatureGroup],
    dev: Sequence[FeatureGroup],
    *,
    d_llm: int,
    d_enc: int,
    o_emb: Any,
    epochs: int,
    cfg: Any,
    state: dict | None = None,
    on_epoch=None,
):
    """Returns (heads, history). `state` resumes heads/optimizer/scheduler/epoch."""
    import torch

    from ..model.heads import JPTHeads

    torch.manual_seed(cfg.seed)
    heads = JPTHeads(d_llm, d_enc, dropout=cfg.dropout)
    opt = torch.optim.AdamW(heads.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(train) / cfg.groups_per_step)
    total = max(1, steps_per_epoch * epochs)
    warm = max(1, int(total * cfg.warmup_fraction))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return 0.5 * (1 + math.cos(math.pi * (step - warm) / max(1, total - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    start_epoch, history = 0, []
    if state:
        heads.load_state_dict(state["heads"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        start_epoch, history = state["epoch"], state["history"]
    for epoch in range(start_epoch, epochs):
        heads.train()
        order = list(range(len(train)))
        random.Random(cfg.seed * 1000 + epoch).shuffle(order)
        total_loss, n = 0.0, 0
        for s0 in range(0, len(order), cfg.groups_per_step):
            opt.zero_grad()
            loss = 0.0
            for gi in order[s0 : s0 + cfg.groups_per_step]:
                g = train[gi]
                proj = heads.project_types(g.def_emb, o_emb)
                soft, sig = heads.logits(g.x.float(), proj)
                loss = loss + jpt_losses(soft, sig, g.y, o_weight=cfg.o_weight, gamma=cfg.focal_gamma,
                                         pos_weight=cfg.focal_pos_weight)
            loss = loss / len(order[s0 : s0 + cfg.groups_per_step])
            loss.backward()
            torch.nn.utils.clip_grad_norm_(heads.parameters(), 1.0)
            opt.step()
            sched.step()
            total_loss += float(loss.detach())
            n += 1
        metrics = span_f1(dev, heads, o_emb) if dev else {}
        history.append({"epoch": epoch + 1, "loss": total_loss / max(1, n), **metrics})
        log.info("epoch %d loss %.4f dev %s", epoch + 1, total_loss / max(1, n),
                 {k: round(v, 4) for k, v in metrics.items() if isinstance(v, float)})
        if on_epoch:
            on_epoch(heads, opt, sched, epoch + 1, history)
    return heads, history
