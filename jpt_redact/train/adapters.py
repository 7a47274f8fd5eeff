"""LoRA adapters on the top layers of a cut backbone (peft), saved where the engine merges them.

Targets are spelled as full module names (`layers.12.self_attn.q_proj`) rather than with
`layers_to_transform`, whose pattern needs a parent module prefix that a bare base model
(what the engine loads) does not have. The adapter is saved with peft's `save_pretrained`,
so the checkpoint's `lora/` folder loads with `PeftModel.from_pretrained` on the same cut
backbone and is merged at load: inference costs exactly the plain backbone.
"""
from __future__ import annotations

from typing import Any, Sequence

ATTENTION = ("q_proj", "k_proj", "v_proj", "o_proj")
MLP = ("gate_proj", "up_proj", "down_proj")


def target_names(first: int, last: int, modules: Sequence[str]) -> list[str]:
    names = []
    for i in range(first, last):
        for m in modules:
            names.append(f"layers.{i}.{'mlp' if m in MLP else 'self_attn'}.{m}")
    return names


def add_lora(model: Any, first: int, *, rank: int, alpha: float, dropout: float = 0.0,
             modules: Sequence[str] = ATTENTION) -> Any:
    """Wrap a base model with LoRA on layers [first, len(layers)); returns the PeftModel.
    The base model's modules are modified in place (its top layers gain lora_A/lora_B)."""
    from peft import LoraConfig, get_peft_model

    last = len(model.layers)
    cfg = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout,
                     target_modules=target_names(first, last, modules))
    return get_peft_model(model, cfg)


def lora_parameters(peft_model: Any) -> list:
    return [p for n, p in peft_model.named_parameters() if "lora_" in n]
