"""Train LoRA on the top K layers plus the heads over the cached lower-layer states.

A step takes one group's cached prefix and up to `examples_per_step` of its examples:
the top layers recompute the prefix K/V (so gradients reach the LoRA weights of k/v), run
the duplicated texts attending to it, and the heads score the second copies with the
paper's losses. State (adapter, heads, optimizer, schedule, position) is saved every
`save_every` steps and at the end, so a stopped run resumes where it was.
"""
from __future__ import annotations

import logging
import math
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

log = logging.getLogger(__name__)


@dataclass
class CachedGroup:
    labels: list[str]
    definitions: list[str]
    prefix: Any  # torch [P, d] (float16 on disk)
    examples: list[dict]  # {"h": [S, d], "second": int, "n": int, "y": [n]}
    def_emb: Any = None  # torch [N, d_enc]


def load_cached_groups(shards: Sequence[Path], encoder: Any, embed_form: str = "as_written",
                       paraphrases: Mapping[str, Sequence[str]] | None = None) -> list[CachedGroup]:
    """The cached groups with their type embeddings; `embed_form` chooses what the encoder embeds
    of each definition (the cached prefix always holds the definition as written): the text
    itself, its gist, or (`paraphrase`) a paraphrase of the same label drawn apart from the
    prompt's, the shortest one half of the time (so that a short `definition` embedded next
    to a long `prompt_definition` is a case the heads have seen)."""
    import torch

    from ..model.definition_forms import embedding_text

    groups, emb_cache = [], {}
    for path in shards:
        for gi, rec in enumerate(torch.load(path, weights_only=False)):
            if not rec["examples"]:
                continue
            if embed_form == "paraphrase":
                texts = [_embedded_paraphrase(lab, d, paraphrases or {}, f"{path.parent.parent.name}:{path.name}:{gi}")
                         for lab, d in zip(rec["labels"], rec["definitions"])]
            else:
                texts = [embedding_text(d, embed_form) for d in rec["definitions"]]
            missing = sorted({t for t in texts if t not in emb_cache})
            if missing:
                for t, e in zip(missing, encoder.encode(missing)):
                    emb_cache[t] = torch.from_numpy(e.copy())
            emb = torch.stack([emb_cache[t] for t in texts])
            groups.append(CachedGroup(rec["labels"], rec["definitions"], rec["prefix"], rec["examples"], emb))
    return groups


def _embedded_paraphrase(label: str, written: str, paraphrases: Mapping[str, Sequence[str]], key: str) -> str:
    options = list(dict.fromkeys([written, *paraphrases.get(label, ())]))
    rng = random.Random(f"{key}:{label}")
    return min(options, key=len) if rng.random() < 0.5 else rng.choice(options)


def drop_types(def_emb: Any, y: Any, prob: float, rng: random.Random) -> tuple[Any, Any]:
    """The step's type embeddings and targets with some present types left out: each type with
    spans in `y` (indices 1..N, 0 = O) goes with probability `prob`, its spans become O and the
    indices above it close up. At least one type stays, so the heads always get a type list."""
    import torch

    n = def_emb.shape[0]
    present = sorted(int(t) for t in torch.unique(y) if int(t) > 0)
    gone = [t for t in present if rng.random() < prob]
    if not gone:
        return def_emb, y
    if len(gone) == n:
        gone = gone[1:]
    keep = [j for j in range(1, n + 1) if j not in gone]
    remap = torch.zeros(n + 1, dtype=y.dtype)
    remap[torch.tensor(keep)] = torch.arange(1, len(keep) + 1, dtype=y.dtype)
    return def_emb[torch.tensor([j - 1 for j in keep])], remap[y]


def plan_steps(groups: Sequence[CachedGroup], per_step: int, seed: int, epoch: int) -> list[tuple[int, int, int]]:
    """(group, first example, end example) per step, shuffled per epoch (deterministic)."""
    steps = [(gi, e0, min(e0 + per_step, len(g.examples)))
             for gi, g in enumerate(groups) for e0 in range(0, len(g.examples), per_step)]
    random.Random(seed * 7919 + epoch).shuffle(steps)
    return steps


def second_copy_states(top: Any, group: CachedGroup, e0: int, e1: int):
    """Normed top-layer states of the second copies of examples [e0, e1), concatenated [T, d]."""
    import torch

    exs = group.examples[e0:e1]
    lens = [ex["h"].shape[0] for ex in exs]
    d = exs[0]["h"].shape[1]
    batch = torch.zeros((len(exs), max(lens), d))
    for i, ex in enumerate(exs):
        batch[i, : lens[i]] = ex["h"].float()
    kv = top.prefix_kv(group.prefix.float()[None])
    out = top.suffix_hidden(batch, lens, kv, group.prefix.shape[0])
    rows = [out[i, ex["second"] : ex["second"] + ex["n"]] for i, ex in enumerate(exs)]
    y = torch.cat([ex["y"] for ex in exs])
    return torch.cat(rows), y


def evaluate_groups(top: Any, heads: Any, groups: Sequence[CachedGroup], o_emb: Any, per_step: int,
                    threshold: float = 0.5, thresholds: Sequence[float] | None = None) -> dict | list[dict]:
    """Token-run span P/R/F1 on cached dev groups (the heads_training metric on top-layer states)."""
    import torch

    from .heads_training import FeatureGroup, span_f1

    feats = []
    with torch.inference_mode():
        for g in groups:
            for e0 in range(0, len(g.examples), per_step):
                x, y = second_copy_states(top, g, e0, min(e0 + per_step, len(g.examples)))
                feats.append(FeatureGroup(g.labels, g.definitions, x, y, g.def_emb))
    if thresholds is not None:
        return [{"threshold": t, **span_f1(feats, heads, o_emb, threshold=t)} for t in thresholds]
    return span_f1(feats, heads, o_emb, threshold=threshold)


def train_lora(
    *,
    top: Any,
    peft_model: Any,
    heads: Any,
    train: Sequence[CachedGroup],
    dev: Sequence[CachedGroup],
    o_emb: Any,
    cfg: Any,  # TrainConfig with .lora (LoraSpec)
    state_file: Path,
    on_save: Callable[[], None] | None = None,
    trainable_lora: bool = True,
) -> list[dict]:
    import torch

    from .adapters import lora_parameters
    from .heads_training import jpt_losses

    spec = cfg.lora
    torch.manual_seed(cfg.seed)
    lora_params = lora_parameters(peft_model) if trainable_lora else []
    param_groups = [{"params": list(heads.parameters()), "lr": spec.heads_lr, "weight_decay": cfg.weight_decay}]
    if lora_params:
        param_groups.insert(0, {"params": lora_params, "lr": spec.lr, "weight_decay": 0.0})
    opt = torch.optim.AdamW(param_groups)
    per_epoch = len(plan_steps(train, spec.examples_per_step, cfg.seed, 0))
    total = per_epoch * spec.epochs
    if spec.max_steps:
        total = min(total, spec.max_steps)
    warm = max(1, int(total * cfg.warmup_fraction))

    def lr_at(step: int) -> float:
        if step < warm:
            return (step + 1) / warm
        return max(0.05, 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warm) / max(1, total - warm)))))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_at)
    done, history = 0, []
    if state_file.exists():
        state = torch.load(state_file, weights_only=False)
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(peft_model, state["lora"])
        heads.load_state_dict(state["heads"])
        opt.load_state_dict(state["optimizer"])
        sched.load_state_dict(state["scheduler"])
        done, history = state["step"], state["history"]
        log.info("lora: resumed at step %d of %d", done, total)

    def save() -> None:
        from peft import get_peft_model_state_dict

        tmp = state_file.with_suffix(".tmp")
        torch.save({"lora": get_peft_model_state_dict(peft_model), "heads": heads.state_dict(),
                    "optimizer": opt.state_dict(), "scheduler": sched.state_dict(), "step": done,
                    "history": history}, tmp)
        tmp.replace(state_file)
        if on_save:
            on_save()

    params = lora_params + list(heads.parameters())
    t0, loss_sum, n_loss = time.time(), 0.0, 0
    while done < total:
        epoch, offset = divmod(done, per_epoch)
        steps = plan_steps(train, spec.examples_per_step, cfg.seed, epoch)
        gi, e0, e1 = steps[offset]
        peft_model.train()
        heads.train()
        x, y = second_copy_states(top, train[gi], e0, e1)
        def_emb = train[gi].def_emb
        if spec.drop_type_prob:
            def_emb, y = drop_types(def_emb, y, spec.drop_type_prob, random.Random(f"{cfg.seed}:drop:{done}"))
        proj = heads.project_types(def_emb, o_emb)
        soft, sig = heads.logits(x, proj)
        loss = jpt_losses(soft, sig, y, o_weight=cfg.o_weight, gamma=cfg.focal_gamma, pos_weight=cfg.focal_pos_weight)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        done += 1
        loss_sum += float(loss.detach())
        n_loss += 1
        if done % spec.log_every == 0 or done == total:
            rate = (time.time() - t0) / n_loss
            log.info("lora: step %d/%d loss %.4f (%.2f s/step)", done, total, loss_sum / n_loss, rate)
            history.append({"step": done, "loss": loss_sum / n_loss, "seconds_per_step": rate})
            t0, loss_sum, n_loss = time.time(), 0.0, 0
        if done % spec.save_every == 0 or done == total:
            save()
    return history
