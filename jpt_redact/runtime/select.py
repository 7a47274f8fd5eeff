"""Backend construction and `auto` selection.

`auto` tries, in order: TensorRT -> CUDA (onnxruntime or torch) -> onnxruntime CPU (when an
int8 export exists) -> torch CPU, and records why it picked what it picked. Asking for a
backend by name never falls back silently: an unavailable one raises
BackendUnavailableError.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailableError
from ..registry import backends


@dataclass
class BackendSpec:
    backbone: str | None  # path or None for the default
    layer: int | None
    checkpoint_dir: Path | None = None
    device: str | None = None  # None: cuda if available else cpu
    use_prefix_cache: bool = True
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Selection:
    name: str
    reason: str
    tried: list[tuple[str, str]] = field(default_factory=list)


def _available(name: str, spec: BackendSpec) -> tuple[bool, str]:
    try:
        cls = backends.get(name)
    except Exception as exc:  # not installed
        return False, str(exc)
    probe = getattr(cls, "availability", None)
    if probe is None:
        return True, "available"
    return probe(spec)


def auto_order() -> list[str]:
    order = []
    for name in ("onnx-tensorrt", "onnx-cuda", "torch-cuda", "onnx", "torch"):
        if name in backends.names() or name in ("torch-cuda",):
            order.append(name)
    return order


def select_backend(name: str, spec: BackendSpec) -> Selection:
    if name != "auto":
        ok, why = _available(name, spec)
        if not ok:
            raise BackendUnavailableError(f"backend {name!r} is not available: {why}")
        return Selection(name, "asked for explicitly")
    tried: list[tuple[str, str]] = []
    for cand in auto_order():
        if cand == "torch-cuda":
            ok, why = _torch_cuda()
            if ok:
                return Selection("torch", "auto: CUDA GPU found, torch bf16", tried)
            tried.append((cand, why))
            continue
        ok, why = _available(cand, spec)
        if ok:
            return Selection(cand, f"auto: {why}", tried)
        tried.append((cand, why))
    return Selection("torch", "auto: fallback to torch on CPU", tried)


def _torch_cuda() -> tuple[bool, str]:
    try:
        import torch

        return (True, "cuda") if torch.cuda.is_available() else (False, "no CUDA device")
    except Exception as exc:  # pragma: no cover
        return False, type(exc).__name__


def create_backend(name: str, spec: BackendSpec) -> tuple[Any, Selection]:
    selection = select_backend(name, spec)
    cls = backends.get(selection.name)
    return cls.create(spec), selection
