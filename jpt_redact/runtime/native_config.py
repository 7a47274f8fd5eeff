"""What the packed decoder covers, read from a transformers config alone (no torch).

Both packed decoders, torch's (runtime/native.py) and numpy's (runtime/numpy_decoder.py), run
exactly the architectures `native_config` accepts, and the converted store
(runtime/native_store.py) records this config beside the weights.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Mapping

NATIVE_FORMAT = 1
SUPPORTED_TYPES = ("llama", "qwen3")


@dataclass(frozen=True)
class NativeConfig:
    model_type: str
    hidden_size: int
    num_layers: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    intermediate_size: int
    rms_eps: float
    rope_theta: float
    qk_norm: bool
    vocab_size: int
    format: int = NATIVE_FORMAT

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "NativeConfig":
        return cls(**raw)


def native_config(cfg: Mapping[str, Any]) -> tuple[NativeConfig | None, str]:
    """(config, "") for a transformers config dict this decoder computes exactly, else (None, why)."""
    mt = cfg.get("model_type")
    if mt not in SUPPORTED_TYPES:
        return None, f"model_type {mt!r} (packed decoder: {', '.join(SUPPORTED_TYPES)})"
    if cfg.get("hidden_act", "silu") != "silu":
        return None, f"activation {cfg.get('hidden_act')!r}"
    rope = dict(cfg.get("rope_parameters") or {})
    scaling = cfg.get("rope_scaling") or {}
    for rope_type in (rope.get("rope_type"), scaling.get("rope_type"), scaling.get("type")):
        if rope_type not in (None, "default"):  # any scaling, however it is spelled
            return None, f"RoPE type {rope_type!r}"
    theta = rope.get("rope_theta", cfg.get("rope_theta", 10000.0))
    if cfg.get("use_sliding_window") or any(t != "full_attention" for t in cfg.get("layer_types") or []):
        return None, "sliding-window attention"
    if cfg.get("attention_bias") or cfg.get("mlp_bias"):
        return None, "biases in attention or MLP"
    heads = int(cfg["num_attention_heads"])
    return NativeConfig(
        model_type=mt, hidden_size=int(cfg["hidden_size"]), num_layers=int(cfg["num_hidden_layers"]),
        num_heads=heads, num_kv_heads=int(cfg.get("num_key_value_heads") or heads),
        head_dim=int(cfg.get("head_dim") or int(cfg["hidden_size"]) // heads),
        intermediate_size=int(cfg["intermediate_size"]), rms_eps=float(cfg["rms_norm_eps"]), rope_theta=float(theta),
        qk_norm=mt == "qwen3", vocab_size=int(cfg["vocab_size"]),
    ), ""


def fp32_prefix_identity(weights_sha256: str, layers: int, lora_sha256: str) -> str:
    """The prefix-store identity of the fp32 packed decoders, torch's and numpy's alike: they
    compute one function (held equal within 1e-4 by tests/test_numpy_backend.py), so a prefix
    either one stored serves the other (on a CPU without native bf16, torch runs fp32 and a
    small job's first numpy run need not compute the prefix again)."""
    return "|".join(["packed-fp32", weights_sha256, str(layers), lora_sha256])
