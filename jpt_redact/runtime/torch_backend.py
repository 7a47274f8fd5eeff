"""PyTorch backend: CPU fp32, or CUDA with bf16 when a GPU is present."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from ..model.backbone import load_backbone
from ..model.lora import merge_lora


@dataclass
class TorchPrefix:
    ids: tuple[int, ...]
    kv: list[tuple[Any, Any]] | None  # per layer (keys, values) with batch 1; None = no cache


class TorchBackend:
    name = "torch"

    def __init__(self, backbone: Any, *, use_prefix_cache: bool = True):
        import torch

        self.backbone = backbone
        self.model = backbone.model
        self.device = next(self.model.parameters()).device
        self.hidden_size = backbone.hidden_size
        self.use_prefix_cache = use_prefix_cache
        self._torch = torch

    @classmethod
    def availability(cls, spec) -> tuple[bool, str]:
        return True, "torch on CPU"

    @classmethod
    def create(cls, spec) -> "TorchBackend":
        import torch

        device = spec.device or ("cuda" if torch.cuda.is_available() else "cpu")
        backbone = load_backbone(spec.backbone, layer=spec.layer, device=device)
        backbone.model = merge_lora(backbone.model, spec.checkpoint_dir)
        return cls(backbone, use_prefix_cache=spec.use_prefix_cache)

    @property
    def tokenizer(self):
        return self.backbone.tokenizer

    @property
    def weights_sha256(self) -> str:
        return self.backbone.weights_sha256

    def prepare_prefix(self, prefix_ids: Sequence[int]) -> TorchPrefix:
        torch = self._torch
        if not self.use_prefix_cache:
            return TorchPrefix(tuple(prefix_ids), None)
        with torch.inference_mode():
            ids = torch.tensor([list(prefix_ids)], device=self.device)
            out = self.model(input_ids=ids, use_cache=True)
        cache = out.past_key_values
        kv = [(layer.keys, layer.values) for layer in cache.layers]
        return TorchPrefix(tuple(prefix_ids), kv)

    def suffix_hidden_states(self, prefix: TorchPrefix, suffixes: Sequence[Sequence[int]]):
        torch = self._torch
        from transformers import DynamicCache

        bsz = len(suffixes)
        max_len = max(len(s) for s in suffixes)
        pad = 0
        ids = torch.full((bsz, max_len), pad, dtype=torch.long)
        mask = torch.zeros((bsz, max_len), dtype=torch.long)
        for i, s in enumerate(suffixes):
            ids[i, : len(s)] = torch.tensor(list(s), dtype=torch.long)
            mask[i, : len(s)] = 1
        plen = len(prefix.ids)
        with torch.inference_mode():
            if prefix.kv is not None:
                # a fresh cache object per call: the stored prefix tensors are never mutated,
                # so concurrent calls from several threads can share them
                cache = DynamicCache(
                    ddp_cache_data=[(k.expand(bsz, -1, -1, -1), v.expand(bsz, -1, -1, -1)) for k, v in prefix.kv]
                )
                full_mask = torch.cat([torch.ones((bsz, plen), dtype=torch.long), mask], 1).to(self.device)
                out = self.model(
                    input_ids=ids.to(self.device),
                    attention_mask=full_mask,
                    past_key_values=cache,
                    use_cache=True,
                    position_ids=(torch.arange(max_len) + plen).expand(bsz, -1).to(self.device),
                )
                hidden = out.last_hidden_state
            else:
                pre = torch.tensor(list(prefix.ids), dtype=torch.long).expand(bsz, -1)
                full_ids = torch.cat([pre, ids], 1).to(self.device)
                full_mask = torch.cat([torch.ones((bsz, plen), dtype=torch.long), mask], 1).to(self.device)
                out = self.model(input_ids=full_ids, attention_mask=full_mask, use_cache=False)
                hidden = out.last_hidden_state[:, plen:]
        return hidden.float().cpu()
