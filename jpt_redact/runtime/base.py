"""The backend protocol: the duplicated prefill, and nothing else.

A backend takes the policy prefix (token ids, computed once per policy and cached as
key/value states where the backend supports it) and a batch of suffixes (text, bridge,
text) and returns the hidden states of the suffix tokens. Prompt building, heads and span
decoding are the same whatever the backend.

A backend plugin is a class registered under the entry-point group `jpt_redact.backends`:

    create(spec: BackendSpec) -> Backend           (classmethod; required)
    availability(spec) -> (ok, why)                (optional: asked for by name)
    auto_availability(spec) -> (ok, why)           (optional, stricter: considered by `auto`)

`spec` (runtime/select.py) carries the backbone path, the checkpoint's layer and directory
(LoRA: model/lora.py merges it), the device, `use_prefix_cache` and `options`, the backend's
own settings (a policy's model.onnx_precision, model.onnx_dir and model.backend_options).

Optional members the engine uses when present (the built-ins have them):

    supports_packing: bool                      packed_hidden_states works for this model
    packed_hidden_states(prefix, suffixes, keep_last) -> [Tensor [n_i, hidden]]
                                                all suffixes in one unpadded pass; only the
                                                last keep_last[i] rows of each (the second copy)
    prefix_identity: str | None                 what identifies the model for the on-disk
                                                prefix store (engine/prefix_store.py); None: off
    prefix_tensors(prefix) -> {name: Tensor}    the prefix state as named tensors, and back:
    prefix_from_tensors(prefix_ids, tensors)    (raise when they do not fit the model)
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable


@runtime_checkable
class Backend(Protocol):
    name: str
    hidden_size: int  # must equal the checkpoint's d_llm

    @property
    def tokenizer(self) -> Any:
        """The backbone's tokenizer (a transformers tokenizer, or anything with the same call:
        `tok(text, add_special_tokens=False, return_offsets_mapping=True)` -> input_ids, offset_mapping)."""

    def prepare_prefix(self, prefix_ids: Sequence[int]) -> Any:
        """Compute what can be reused for every text under one policy (e.g. KV states)."""

    def suffix_hidden_states(self, prefix: Any, suffixes: Sequence[Sequence[int]]) -> "Any":
        """Hidden states [B, max_len, hidden] (torch.float32, CPU) for right-padded suffixes."""


# -- the packed decoders' prefix in the prefix store -------------------------------------------
# torch's and numpy's packed decoders store one layout, per layer keys and values [H_kv, P, D]
# named k0, v0, k1, ..., so that an fp32 prefix either one wrote serves the other.

def layer_kv_tensors(kv: Sequence[tuple[Any, Any]]) -> dict[str, Any]:
    """Per-layer (keys [H_kv, P, D], values) as the store's named tensors."""
    out = {}
    for i, (k, v) in enumerate(kv):
        out[f"k{i}"], out[f"v{i}"] = k, v
    return out


def layer_kv_from_tensors(tensors: dict[str, Any], n_layers: int, length: int) -> list[tuple[Any, Any]]:
    """Back to per-layer (keys, values); ValueError unless the names, count and prefix length fit."""
    if set(tensors) != {f"{kind}{i}" for i in range(n_layers) for kind in "kv"}:
        raise ValueError("stored prefix does not fit this model")
    kv = [(tensors[f"k{i}"], tensors[f"v{i}"]) for i in range(n_layers)]
    if any(k.shape != v.shape or len(k.shape) != 3 or k.shape[1] != length for k, v in kv):
        raise ValueError("stored prefix does not fit this model")
    return kv
