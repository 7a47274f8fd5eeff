"""One pass of the frozen lower layers over training groups; their outputs are cached on disk.

For LoRA on the top K of L kept layers, the states entering layer L-K+1 never change during
training. They are computed once here — the type-set prefix once per group, each example's
duplicated text once, attending to the prefix through its KV cache — and stored as float16
shards (one per `groups_per_shard` groups, written atomically, skipped on resume), with the
token labels of each example's second copy. A time budget is spent once across resumed runs
(`spent.json` beside the shards).
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Sequence

from ..model.prompt import build_prompt, duplicated_suffix, tokenize_text
from .features import token_labels
from .groups import Group

log = logging.getLogger(__name__)


def bottom_model(model: Any, first: int) -> Any:
    """A view of `model` keeping decoder layers [0, first) and no final norm (weights shared):
    its `last_hidden_state` is exactly what enters layer `first`."""
    from torch import nn

    bottom = copy.copy(model)
    bottom._modules = dict(model._modules)  # copy.copy shares the dict; the original must not change
    bottom.layers = nn.ModuleList(list(model.layers)[:first])
    bottom.norm = nn.Identity()
    cfg = copy.deepcopy(model.config)
    cfg.num_hidden_layers = first
    if getattr(cfg, "layer_types", None):
        cfg.layer_types = cfg.layer_types[:first]
    bottom.config = cfg
    return bottom


class BottomPass:
    """The frozen layers below the trained ones, on the torch backend (prefix KV reused); with
    `bf16`, under bf16 autocast (stored as float16 either way)."""

    def __init__(self, backbone: Any, first: int, *, bf16: bool = False):
        from ..runtime.torch_backend import TorchBackend

        self.first = first
        self.bf16 = bf16
        self.model = bottom_model(backbone.model, first)
        self.backend = TorchBackend(dataclasses.replace(backbone, model=self.model))

    def prefix(self, prefix_ids: Sequence[int]):
        """(backend prefix state for the suffix pass, prefix hidden states [P, d])."""
        import torch

        with torch.inference_mode(), self._precision():
            out = self.model(input_ids=torch.tensor([list(prefix_ids)]), use_cache=True)
        kv = [(layer.keys, layer.values) for layer in out.past_key_values.layers]
        from ..runtime.torch_backend import TorchPrefix

        return TorchPrefix(tuple(prefix_ids), kv), out.last_hidden_state[0].float()

    def suffixes(self, prefix_state, suffixes: Sequence[Sequence[int]]):
        """Hidden states [B, S_max, d] entering layer `first`, right-padded."""
        with self._precision():
            return self.backend.suffix_hidden_states(prefix_state, suffixes).float()

    def _precision(self):
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else contextlib.nullcontext()


def cache_groups(
    bottom: BottomPass,
    tokenizer: Any,
    groups: Sequence[Group],
    out_dir: str | os.PathLike,
    *,
    groups_per_shard: int = 8,
    max_tokens: int = 160,
    batch_size: int = 8,
    budget_seconds: float | None = None,
    dtype: str = "float16",
) -> list[Path]:
    """Write (or find) the shards of `groups`; returns the shard paths that exist."""
    import numpy as np
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = getattr(torch, dtype)
    shards: list[Path] = []
    # the budget counts the time of earlier (interrupted) runs too: a resumed run must not get
    # a fresh budget for a source that has already spent its own
    spent_file = out_dir / "spent.json"
    spent = json.loads(spent_file.read_text())["seconds"] if spent_file.is_file() else 0.0
    t0, n_tok = time.time() - spent, 0
    for shard_no, g0 in enumerate(range(0, len(groups), groups_per_shard)):
        path = out_dir / f"shard-{shard_no:05d}.pt"
        if path.exists():
            shards.append(path)
            continue
        if budget_seconds is not None and time.time() - t0 > budget_seconds:
            log.info("hidden cache %s: time budget reached with %d shards", out_dir.name, len(shards))
            break
        records = []
        for group in groups[g0 : g0 + groups_per_shard]:
            labels = list(group.types)
            index = {lab: i for i, lab in enumerate(labels)}
            pieces = build_prompt(tokenizer, group.types)
            state, prefix_hidden = bottom.prefix(pieces.prefix_ids)
            examples = []
            for b0 in range(0, len(group.examples), batch_size):
                batch = group.examples[b0 : b0 + batch_size]
                items = []
                for ex in batch:
                    tok = tokenize_text(tokenizer, ex.text)
                    ids, offs = tok.ids[:max_tokens], tok.offsets[:max_tokens]
                    if not ids:
                        continue
                    suffix, second = duplicated_suffix(ids, pieces)
                    items.append((suffix, second, len(ids), token_labels(ex.text, offs, ex.spans, index)))
                if not items:
                    continue
                hidden = bottom.suffixes(state, [it[0] for it in items])
                for row, (suffix, second, n, y) in enumerate(items):
                    examples.append({"h": hidden[row, : len(suffix)].to(store).clone(), "second": second, "n": n,
                                     "y": torch.from_numpy(np.asarray(y, dtype=np.int64))})
                    n_tok += len(suffix)
            records.append({"source": group.source, "labels": labels,
                            "definitions": [group.types[lab] for lab in labels],
                            "prefix": prefix_hidden.to(store).clone(), "examples": examples})
        tmp = path.with_suffix(".tmp")
        torch.save(records, tmp)
        os.replace(tmp, path)
        shards.append(path)
        spent_tmp = spent_file.with_suffix(".tmp")
        spent_tmp.write_text(json.dumps({"seconds": time.time() - t0}))
        os.replace(spent_tmp, spent_file)
        log.info("hidden cache %s: shard %d (%d of %d groups; %.0f tokens/s)", out_dir.name, shard_no,
                 min(g0 + groups_per_shard, len(groups)), len(groups), n_tok / max(1e-9, time.time() - t0))
    return shards
