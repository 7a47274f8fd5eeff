"""Backend construction and `auto` selection.

`auto` tries, in order:

    onnx-tensorrt  onnxruntime TensorRT provider and a CUDA device
    onnx-cuda      onnxruntime CUDA provider and a CUDA device
    torch (CUDA)   torch sees a CUDA device (bf16)
    onnx-cpu       onnxruntime on CPU, only when the export it would use is already cached
                   (`jpt-redact export-onnx --int8`), so `auto` never starts a long export
    torch          torch on CPU, always there

and records why it skipped what it skipped (`jpt-redact info` prints it). A backend asked for
by name never falls back: an unavailable one raises BackendUnavailableError.

Backends are registered classes (entry-point group `jpt_redact.backends`) with
`create(spec)`, and optionally `availability(spec) -> (ok, why)` (asked for by name) and
`auto_availability(spec)` (stricter, for `auto`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BackendUnavailableError
from ..registry import backends

TORCH_CUDA = "torch-cuda"  # a pseudo-candidate of the auto order: the torch backend on a GPU
AUTO_ORDER = ("onnx-tensorrt", "onnx-cuda", TORCH_CUDA, "onnx-cpu", "torch")
GPU_CANDIDATES = ("onnx-tensorrt", "onnx-cuda", TORCH_CUDA)


@dataclass
class BackendSpec:
    backbone: str | None  # path or None for the default
    layer: int | None
    checkpoint_dir: Path | None = None
    device: str | None = None  # torch: None = cuda if available else cpu
    use_prefix_cache: bool = True
    # backend-specific settings, e.g. onnx: precision ("auto"|"fp32"|"int8"), onnx_dir, threads
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class Selection:
    name: str
    reason: str
    tried: list[tuple[str, str]] = field(default_factory=list)  # (candidate, why it was skipped)


def _probe(name: str, spec: BackendSpec, *, auto: bool) -> tuple[bool, str]:
    try:
        cls = backends.get(name)
    except Exception as exc:  # unknown, or its plugin failed to import
        return False, str(exc)
    probe = (getattr(cls, "auto_availability", None) if auto else None) or getattr(cls, "availability", None)
    if probe is None:
        return True, "available"
    try:
        return probe(spec)
    except BackendUnavailableError as exc:
        return False, str(exc)


def torch_cuda_available() -> tuple[bool, str]:
    try:
        import torch

        return (True, "torch sees a CUDA device (bf16)") if torch.cuda.is_available() else (False, "torch sees no CUDA device")
    except Exception as exc:  # pragma: no cover - a broken torch install
        return False, type(exc).__name__


def auto_order() -> list[str]:
    """The candidates `auto` considers, installed backends only."""
    installed = set(backends.names())
    return [n for n in AUTO_ORDER if n in installed or (n == TORCH_CUDA and "torch" in installed)]


def select_backend(name: str, spec: BackendSpec) -> Selection:
    if name != "auto":
        ok, why = _probe(name, spec, auto=False)
        if not ok:
            raise BackendUnavailableError(f"backend {name!r} is not available: {why}")
        return Selection(name, f"asked for explicitly ({why})")
    tried: list[tuple[str, str]] = []
    cpu_only = bool(spec.device) and not str(spec.device).startswith("cuda")
    for cand in auto_order():
        if cand in GPU_CANDIDATES and cpu_only:
            tried.append((cand, f"device {spec.device!r} requested"))
            continue
        if cand == TORCH_CUDA:
            ok, why = torch_cuda_available()
            if ok:
                return Selection("torch", f"auto: {why}", tried)
        else:
            ok, why = _probe(cand, spec, auto=True)
            if ok:
                return Selection(cand, f"auto: {why}", tried)
        tried.append((cand, why))
    raise BackendUnavailableError("no runtime backend is available: " + "; ".join(f"{n}: {w}" for n, w in tried))


def create_backend(name: str, spec: BackendSpec) -> tuple[Any, Selection]:
    selection = select_backend(name, spec)
    cls = backends.get(selection.name)
    return cls.create(spec), selection
