"""A llama GGUF straight into the packed decoder's fused weights: no transformers model, no peft.

The first run used to build the converted store (native_store.py) from a transformers model:
the GGUF dequantized into a full transformers checkpoint (all 30 layers, ~31 s), loaded again,
the LoRA adapter merged by peft, then fused. Only the layers up to the cut are read, so this
module does the same arithmetic on the GGUF tensors themselves:

    dequantize   gguf.quants.dequantize, as transformers does (float32)
    q and k      llama.cpp's conversion permutes their rows for its RoPE layout; undone here
                 exactly as transformers' LlamaTensorProcessor undoes it
    LoRA         W + (lora_alpha / r) * B @ A for every adapted module, what peft's
                 merge_and_unload computes for a plain LoRA adapter (no DoRA, no rsLoRA, no
                 fan_in_fan_out: anything else is refused and the transformers path is used)

tests/test_gguf_direct.py holds the result to the transformers path on the shipped GGUF.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .native_config import NativeConfig

ARCHITECTURES = ("llama",)
MODULES = {  # peft module name -> (GGUF tensor, fused weight it belongs to)
    "q_proj": ("attn_q", "qkv"), "k_proj": ("attn_k", "qkv"), "v_proj": ("attn_v", "qkv"),
    "o_proj": ("attn_output", "o"), "gate_proj": ("ffn_gate", "gate_up"), "up_proj": ("ffn_up", "gate_up"),
    "down_proj": ("ffn_down", "down"),
}


class Unsupported(ValueError):
    """This GGUF or adapter is not one the direct path computes exactly (the caller falls back)."""


_REQUIRED = object()


def _field(reader: Any, key: str, default: Any = _REQUIRED) -> Any:
    field = reader.fields.get(key)
    if field is None:
        if default is _REQUIRED:
            raise Unsupported(f"GGUF has no {key}")
        return default
    return field.contents()


def config_from_gguf(reader: Any) -> tuple[NativeConfig, int]:
    """(NativeConfig of the whole model, its layer count) from a GGUF's metadata."""
    arch = _field(reader, "general.architecture")
    if arch not in ARCHITECTURES:
        raise Unsupported(f"GGUF architecture {arch!r} (direct path: {', '.join(ARCHITECTURES)})")
    if _field(reader, f"{arch}.rope.scaling.type", None) is not None:
        raise Unsupported("RoPE scaling")
    heads = int(_field(reader, f"{arch}.attention.head_count"))
    hidden = int(_field(reader, f"{arch}.embedding_length"))
    layers = int(_field(reader, f"{arch}.block_count"))
    head_dim = int(_field(reader, f"{arch}.rope.dimension_count", hidden // heads))
    vocab = next(int(t.shape[1]) for t in reader.tensors if t.name == "token_embd.weight")
    cfg = NativeConfig(
        model_type="llama", hidden_size=hidden, num_layers=layers, num_heads=heads,
        num_kv_heads=int(_field(reader, f"{arch}.attention.head_count_kv")), head_dim=head_dim,
        intermediate_size=int(_field(reader, f"{arch}.feed_forward_length")),
        rms_eps=float(_field(reader, f"{arch}.attention.layer_norm_rms_epsilon")),
        rope_theta=float(_field(reader, f"{arch}.rope.freq_base", 10000.0)),
        qk_norm=False, vocab_size=vocab,
    )
    return cfg, layers


def reverse_permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """Undo llama.cpp's q/k row permutation (transformers' `_reverse_permute_weights`)."""
    dim = weights.shape[0] // n_head // 2
    w = weights.reshape(n_head, dim, 2, *weights.shape[1:])
    return w.swapaxes(2, 1).reshape(weights.shape)


def _lora_updates(lora_dir: Path | None, layers: int) -> dict[tuple[int, str], np.ndarray]:
    """{(layer, peft module): scaled B @ A} of a plain LoRA adapter, for layers below the cut."""
    if lora_dir is None:
        return {}
    from safetensors.numpy import load_file

    cfg = json.loads((lora_dir / "adapter_config.json").read_text())
    if cfg.get("peft_type", "LORA") != "LORA":
        raise Unsupported(f"adapter type {cfg.get('peft_type')}")
    for flag in ("use_dora", "use_rslora", "fan_in_fan_out", "use_qalora", "use_bdlora"):
        if cfg.get(flag):
            raise Unsupported(f"adapter option {flag}")
    if cfg.get("rank_pattern") or cfg.get("alpha_pattern") or cfg.get("bias", "none") != "none" or cfg.get("lora_bias"):
        raise Unsupported("adapter with per-module ranks or biases")
    scale = float(cfg["lora_alpha"]) / float(cfg["r"])
    tensors = load_file(str(lora_dir / "adapter_model.safetensors"))
    out: dict[tuple[int, str], np.ndarray] = {}
    for name, a in tensors.items():
        if not name.endswith(".lora_A.weight"):
            if not name.endswith(".lora_B.weight"):
                raise Unsupported(f"adapter tensor {name}")
            continue
        parts = name.split(".")
        try:
            layer, module = int(parts[parts.index("layers") + 1]), parts[-3]
        except (ValueError, IndexError):
            raise Unsupported(f"adapter tensor {name}") from None
        if module not in MODULES:
            raise Unsupported(f"adapter on {module}")
        b = tensors.get(name.replace(".lora_A.", ".lora_B."))
        if b is None:
            raise Unsupported(f"adapter tensor {name} without its lora_B")
        if layer < layers:
            out[(layer, module)] = (b.astype(np.float32) @ a.astype(np.float32)) * np.float32(scale)
    return out


def fused_from_gguf(reader: Any, layer: int | None, lora_dir: Path | None) -> tuple[NativeConfig, dict[str, np.ndarray], int]:
    """(config of the cut model, fused fp32 weights with the adapter merged, total layers)."""
    from gguf.quants import dequantize

    full, total = config_from_gguf(reader)
    used = total if layer is None or layer >= total else int(layer)
    cfg = NativeConfig(**{**full.to_dict(), "num_layers": used})
    tensors = {t.name: t for t in reader.tensors}

    def get(name: str) -> np.ndarray:
        if name not in tensors:
            raise Unsupported(f"GGUF has no tensor {name}")
        t = tensors[name]
        return np.ascontiguousarray(dequantize(t.data, t.tensor_type), dtype=np.float32)

    updates = _lora_updates(lora_dir, used)
    out = {"embed": get("token_embd.weight"), "norm": get("output_norm.weight")}
    for i in range(used):
        w = {}
        for module, (gguf_name, _) in MODULES.items():
            m = get(f"blk.{i}.{gguf_name}.weight")
            if module == "q_proj":
                m = reverse_permute(m, cfg.num_heads)
            elif module == "k_proj":
                m = reverse_permute(m, cfg.num_kv_heads)
            if (i, module) in updates:
                m = m + updates.pop((i, module))
            w[module] = m
        out[f"{i}.qkv"] = np.concatenate([w["q_proj"], w["k_proj"], w["v_proj"]])
        out[f"{i}.o"] = w["o_proj"]
        out[f"{i}.gate_up"] = np.concatenate([w["gate_proj"], w["up_proj"]])
        out[f"{i}.down"] = w["down_proj"]
        out[f"{i}.ln1"] = get(f"blk.{i}.attn_norm.weight")
        out[f"{i}.ln2"] = get(f"blk.{i}.ffn_norm.weight")
    if updates:
        raise Unsupported(f"adapter modules left unmerged: {sorted(updates)[:3]}")
    want = {"embed": (cfg.vocab_size, cfg.hidden_size), "0.qkv": ((cfg.num_heads + 2 * cfg.num_kv_heads) * cfg.head_dim, cfg.hidden_size)}
    for name, shape in want.items():
        if name in out and out[name].shape != shape:
            raise Unsupported(f"{name} has shape {out[name].shape}, the metadata says {shape}")
    return cfg, {k: np.ascontiguousarray(v) for k, v in out.items()}, total
