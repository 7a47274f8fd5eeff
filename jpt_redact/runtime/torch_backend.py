"""PyTorch backend: the packed decoder on CPU (fp32, or bf16 where the CPU has it), transformers
elsewhere (CUDA bf16, architectures the packed decoder does not cover).

Two ways to run the same model, chosen once per backend:

    packed       runtime/native.py: all suffixes of a call in one sequence, no padding, the
                 prefix attended once per KV head; loaded from the converted store
                 (runtime/native_store.py) without importing transformers
    transformers the Hugging Face base model, right-padded batches with the prefix KV in a
                 DynamicCache (what `suffix_hidden_states` has always done; training reads its
                 layers through hooks, so a backend built on a transformers backbone keeps it)

`TorchBackend(backbone)` over a transformers backbone offers both: `suffix_hidden_states` runs
the transformers model, `packed_hidden_states` a packed decoder converted from it on first
use. `TorchBackend.create(spec)` (what engines use) loads the packed decoder when it can.
"""
from __future__ import annotations

import inspect
import threading
from dataclasses import dataclass
from typing import Any, Sequence

from ..model.lora import lora_digest
from .base import layer_kv_from_tensors, layer_kv_tensors


@dataclass
class TorchPrefix:
    ids: tuple[int, ...]
    kv: list[tuple[Any, Any]] | None  # per layer (keys, values) [1, H_kv, P, D]; None = no cache


def _cache_kwarg(model: Any) -> str:
    """transformers 5.x renamed the forward's `past_key_values` to `cache` (the old name warns)."""
    try:
        params = inspect.signature(model.forward).parameters
    except (TypeError, ValueError):  # pragma: no cover
        return "past_key_values"
    return "cache" if "cache" in params else "past_key_values"


def _output_cache(out: Any) -> Any:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values


class TorchBackend:
    name = "torch"

    def __init__(self, backbone: Any, *, use_prefix_cache: bool = True, packing: bool = True,
                 precision: str = "fp32", precision_reason: str = "", identity: str | None = None,
                 load_note: str = ""):
        import torch

        from .native import NativeDecoder

        self.backbone = backbone
        self.model = backbone.model
        self.device = next(self.model.parameters()).device
        self.hidden_size = backbone.hidden_size
        self.use_prefix_cache = use_prefix_cache
        self.precision = precision
        self.precision_reason = precision_reason
        self.load_note = load_note
        # what the policy prefix K/V on disk is keyed by (engine/prefix_store.py); None: not stored
        self.prefix_identity = identity
        self._torch = torch
        self._is_native = isinstance(self.model, NativeDecoder)
        self._native = self.model if self._is_native else None
        self._native_why = ""
        self._packing = packing and self.device.type == "cpu"
        self._native_lock = threading.Lock()

    @classmethod
    def availability(cls, spec) -> tuple[bool, str]:
        return True, "torch on CPU"

    @classmethod
    def create(cls, spec) -> "TorchBackend":
        import torch

        from .cpu import choose_precision, physical_cores
        from .native import NativeDecoder
        from .native_config import fp32_prefix_identity

        device = spec.device or ("cuda" if torch.cuda.is_available() else "cpu")
        opts = spec.options or {}
        precision, why = choose_precision(opts.get("torch_precision"), device)
        threads = int(opts.get("threads") or 0)
        if device == "cpu" and (threads or torch.get_num_threads() > physical_cores()):
            # at most one intra-op thread per physical core: GEMMs gain nothing from
            # hyper-threads, and torch's default counts logical CPUs on some hosts. A smaller
            # setting of the caller's (a test, a process per core) is kept.
            torch.set_num_threads(threads or physical_cores())
        packing = bool(opts.get("packing", True)) and device == "cpu"
        dtype = torch.bfloat16 if precision == "bf16" else torch.float32
        if packing:
            from .native_store import load_or_build

            backbone, note = load_or_build(spec.backbone, spec.layer, spec.checkpoint_dir, device=device, dtype=dtype)
        else:
            from .native_store import transformers_backbone

            backbone = transformers_backbone(spec.backbone, spec.layer, spec.checkpoint_dir, device=device,
                                             dtype="bfloat16" if precision == "bf16" else None)
            note = "transformers (packing off)"
        # a bf16 prefix depends on where the decoder rounds (native.py keeps the MLP intermediate
        # in bf16), so the recipe is part of the cache key: no prefix stored by the old one is reused
        identity = "|".join(["torch", backbone.weights_sha256, str(backbone.num_layers_used),
                             lora_digest(spec.checkpoint_dir), "bf16/mlp-bf16" if precision == "bf16" else precision])
        if packing and precision == "fp32" and device == "cpu" and isinstance(backbone.model, NativeDecoder):
            identity = fp32_prefix_identity(backbone.weights_sha256, backbone.num_layers_used,
                                            lora_digest(spec.checkpoint_dir))
        return cls(backbone, use_prefix_cache=spec.use_prefix_cache, packing=packing, precision=precision,
                   precision_reason=why, identity=identity, load_note=note)

    @property
    def tokenizer(self):
        return self.backbone.tokenizer

    @property
    def weights_sha256(self) -> str:
        return self.backbone.weights_sha256

    # -- the policy prefix ------------------------------------------------------------------
    def prepare_prefix(self, prefix_ids: Sequence[int]) -> TorchPrefix:
        torch = self._torch
        if not self.use_prefix_cache:
            return TorchPrefix(tuple(prefix_ids), None)
        with torch.inference_mode():
            if self._is_native:
                return TorchPrefix(tuple(prefix_ids), self.model.prefix(prefix_ids))
            ids = torch.tensor([list(prefix_ids)], device=self.device)
            out = self.model(input_ids=ids, use_cache=True)
        kv = [(layer.keys, layer.values) for layer in _output_cache(out).layers]
        return TorchPrefix(tuple(prefix_ids), kv)

    def prefix_tensors(self, prefix: TorchPrefix) -> dict[str, Any] | None:
        """The prefix K/V as named tensors (for the on-disk prefix store); None: nothing to store."""
        if prefix.kv is None:
            return None
        return layer_kv_tensors([(k[0], v[0]) for k, v in prefix.kv])

    def prefix_from_tensors(self, prefix_ids: Sequence[int], tensors: dict[str, Any]) -> TorchPrefix:
        # files written before the shared layout hold [1, H_kv, P, D]
        tensors = {name: t[0] if t.dim() == 4 and t.shape[0] == 1 else t for name, t in tensors.items()}
        kv = layer_kv_from_tensors(tensors, len(self.model.layers), len(prefix_ids))
        return TorchPrefix(tuple(prefix_ids), [(k[None].to(self.device), v[None].to(self.device)) for k, v in kv])

    # -- packed: the engine's path ----------------------------------------------------------------
    @property
    def supports_packing(self) -> bool:
        return self._packing and self._native_decoder() is not None

    def _native_decoder(self):
        if self._native is None and not self._native_why and self._packing:
            with self._native_lock:
                if self._native is None and not self._native_why:
                    from .native import from_transformers

                    decoder, why = from_transformers(self.model)
                    self._native, self._native_why = decoder, why or ""
                    if decoder is None and not why:  # pragma: no cover
                        self._native_why = "unsupported"
        return self._native

    def packed_hidden_states(self, prefix: TorchPrefix, suffixes: Sequence[Sequence[int]],
                             keep_last: Sequence[int] | None = None) -> list[Any]:
        """Hidden states of each suffix ([len, hidden] float32, CPU), all suffixes run as one
        packed sequence. keep_last[i]: only the last that many rows of suffix i (its second
        copy) are computed through the last layer and returned."""
        torch = self._torch
        decoder = self._native_decoder()
        if decoder is None:
            raise RuntimeError(f"packing is not available for this backbone ({self._native_why})")
        with torch.inference_mode():
            kv = prefix.kv if prefix.kv is not None else decoder.prefix(prefix.ids) if prefix.ids else None
            return [h.float().cpu() for h in decoder.packed(kv, suffixes, keep_last)]

    # -- padded: the transformers path (training hooks into it) ----------------------------------
    def suffix_hidden_states(self, prefix: TorchPrefix, suffixes: Sequence[Sequence[int]]):
        torch = self._torch
        bsz = len(suffixes)
        max_len = max(len(s) for s in suffixes)
        if self._is_native:  # no transformers model here: the packed rows, right-padded
            rows = self.packed_hidden_states(prefix, suffixes)
            out = torch.zeros((bsz, max_len, self.hidden_size), dtype=torch.float32)
            for i, h in enumerate(rows):
                out[i, : len(h)] = h
            return out
        from transformers import DynamicCache

        ids = torch.zeros((bsz, max_len), dtype=torch.long)
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
                    use_cache=True,
                    position_ids=(torch.arange(max_len) + plen).expand(bsz, -1).to(self.device),
                    **{_cache_kwarg(self.model): cache},
                )
                hidden = out.last_hidden_state
            else:
                pre = torch.tensor(list(prefix.ids), dtype=torch.long).expand(bsz, -1)
                full_ids = torch.cat([pre, ids], 1).to(self.device)
                full_mask = torch.cat([torch.ones((bsz, plen), dtype=torch.long), mask], 1).to(self.device)
                out = self.model(input_ids=full_ids, attention_mask=full_mask, use_cache=False)
                hidden = out.last_hidden_state[:, plen:]
        return hidden.float().cpu()
