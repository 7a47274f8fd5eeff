"""LoRA adapters in a checkpoint: the one place they are found, fingerprinted and merged.

A checkpoint may carry `lora/`, a peft adapter saved with `save_pretrained` on the cut
backbone's base model. Every consumer (the torch backend, the ONNX export) merges it the same
way, once at load, so inference then costs exactly the plain backbone.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

LORA_DIR = "lora"


def lora_dir(checkpoint_dir: Path | None) -> Path | None:
    """The checkpoint's adapter directory, or None when it has none."""
    if checkpoint_dir is None:
        return None
    path = Path(checkpoint_dir) / LORA_DIR
    return path if path.is_dir() else None


def lora_digest(checkpoint_dir: Path | None) -> str:
    """SHA-256 over the checkpoint's adapter files ("none" without adapters): part of every
    cache key of a model derived from the merged backbone (the ONNX export)."""
    lora = lora_dir(checkpoint_dir)
    if lora is None:
        return "none"
    h = hashlib.sha256()
    for f in sorted(p for p in lora.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(lora)).encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def merge_lora(model: Any, checkpoint_dir: Path | None) -> Any:
    """`model` with the checkpoint's adapter merged into its weights (peft
    `PeftModel.from_pretrained(...).merge_and_unload()`), or `model` itself without one."""
    lora = lora_dir(checkpoint_dir)
    if lora is None:
        return model
    from peft import PeftModel

    merged = PeftModel.from_pretrained(model, str(lora)).merge_and_unload().eval()
    for p in merged.parameters():
        p.requires_grad_(False)
    return merged
