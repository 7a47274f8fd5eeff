"""The top K decoder layers of a cut backbone, run on cached hidden states (LoRA training on a CPU).

A full LoRA step through all kept layers costs a forward and backward pass of the whole
backbone per example per epoch, which a 2-core CPU cannot afford. The lower L-K layers stay
frozen, so their outputs never change: `train/hidden_cache.py` computes once the hidden
states entering layer L-K+1 (the type-set prefix once per group, the duplicated text once
per example), and training runs only the top K layers (with LoRA) over them:

    prefix states [1, P, d] --top K layers--> per-layer prefix K/V (with gradients)
    text states  [B, S, d] --top K layers, attending to that K/V--> norm -> hidden [B, S, d]

Recomputing the prefix K/V in every step is what keeps the result exact while the LoRA
weights of k_proj/v_proj change. `tests/test_top_layers.py` checks the cached path against a
full forward of the same (LoRA-wrapped) model.

With `bf16=True` the layers run under bf16 autocast (the weights, LoRA's included, and the
optimizer stay fp32; norms and softmax keep fp32 where autocast does): on a CPU with AMX or
AVX512-BF16 a step costs less than half the fp32 one; elsewhere bf16 is emulated and slower.
The states leave in fp32 for the heads.
"""
from __future__ import annotations

import inspect
from contextlib import nullcontext
from typing import Any, Sequence


class _PrefixCache:
    """Duck-typed stand-in for a transformers Cache inside the top layers' attention.

    Recording mode (`past is None`) keeps each layer's keys/values; attending mode prepends
    the recorded prefix keys/values (expanded to the batch) to the new ones. The attention
    modules call only `update`.
    """

    def __init__(self, past: dict[int, tuple[Any, Any]] | None = None, batch: int = 1):
        self.past = past
        self.batch = batch
        self.recorded: dict[int, tuple[Any, Any]] = {}

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        import torch

        if self.past is None:
            self.recorded[layer_idx] = (key_states, value_states)
            return key_states, value_states
        pk, pv = self.past[layer_idx]
        pk = pk.expand(self.batch, -1, -1, -1)
        pv = pv.expand(self.batch, -1, -1, -1)
        return torch.cat([pk, key_states], 2), torch.cat([pv, value_states], 2)


def _cache_keyword(layer: Any) -> str:
    params = inspect.signature(layer.forward).parameters
    for name in ("cache", "past_key_values", "past_key_value"):
        if name in params:
            return name
    raise TypeError(f"{type(layer).__name__}.forward takes no cache argument")


class TopLayers:
    """Runs decoder layers [first, last) of `model` (a transformers base model, possibly with
    LoRA-injected linears) plus its final norm, on hidden states entering layer `first`."""

    def __init__(self, model: Any, first: int, *, bf16: bool = False):
        self.model = model
        self.first = first
        self.bf16 = bf16
        self.layers = list(model.layers)[first:]
        if not self.layers:
            raise ValueError(f"no layers above {first}: the model keeps {len(model.layers)}")
        self.norm = model.norm
        self.rotary = model.rotary_emb
        self._cache_kw = _cache_keyword(self.layers[0])

    def parameters(self):
        for layer in self.layers:
            yield from layer.parameters()

    def _precision(self):
        import torch

        return torch.autocast("cpu", dtype=torch.bfloat16) if self.bf16 else nullcontext()

    def _run(self, hidden, mask, positions, cache):
        with self._precision():
            pos_emb = self.rotary(hidden, positions)
            for layer in self.layers:
                out = layer(hidden, attention_mask=mask, position_ids=positions, position_embeddings=pos_emb,
                            use_cache=True, **{self._cache_kw: cache})
                hidden = out[0] if isinstance(out, tuple) else out
        return hidden

    def prefix_kv(self, prefix_hidden) -> dict[int, tuple[Any, Any]]:
        """Per-layer (keys, values) of the prefix [1, P, d], differentiable w.r.t. LoRA weights."""
        import torch

        p = prefix_hidden.shape[1]
        dtype = prefix_hidden.dtype
        mask = torch.full((p, p), torch.finfo(dtype).min, dtype=dtype).triu(1)[None, None]
        positions = torch.arange(p, device=prefix_hidden.device)[None]
        cache = _PrefixCache()
        self._run(prefix_hidden, mask, positions, cache)
        return cache.recorded

    def suffix_hidden(self, suffix_hidden, lengths: Sequence[int], prefix_kv: dict, prefix_len: int):
        """Normed hidden states [B, S, d] of right-padded suffixes after a shared prefix."""
        import torch

        bsz, s = suffix_hidden.shape[:2]
        dtype = suffix_hidden.dtype
        neg = torch.finfo(dtype).min
        causal = torch.full((s, s), neg, dtype=dtype).triu(1)
        valid = torch.arange(s)[None, :] < torch.tensor(list(lengths))[:, None]  # [B, S] real keys
        text_part = causal[None].expand(bsz, -1, -1).clone()
        text_part.masked_fill_(~valid[:, None, :], neg)
        # a padded query row sees only the prefix: never a fully masked row (NaN in softmax)
        mask = torch.cat([torch.zeros((bsz, s, prefix_len), dtype=dtype), text_part], 2)[:, None]
        positions = (torch.arange(s) + prefix_len)[None].expand(bsz, -1)
        cache = _PrefixCache(prefix_kv, bsz)
        hidden = self._run(suffix_hidden, mask, positions, cache)
        return self.norm(hidden.float())
