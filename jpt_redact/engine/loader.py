"""Building engines: a checkpoint, its backbone and encoder, and a runtime backend, wired once.

This module sits above model/ (what a checkpoint is) and runtime/ (what runs the backbone),
which do not import each other's builders: it is the only place that puts them together.

    engine = load_engine(policy.model)       # once per process per model setting, shared
    engine = build_engine(checkpoint, backend="onnx-cuda", backend_options={...})   # uncached
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any, Mapping

from ..errors import ModelError
from ..model.backbone import resolve_backbone_path
from ..model.checkpoint import CheckpointConfig, check_backbone, load_checkpoint_config, load_heads_state
from ..model.paths import weights_fingerprint
from ..policy import ModelSettings
from ..runtime.select import BackendSpec, Selection, create_backend, select_backend
from .jpt import JPTEngine

# ModelSettings fields applied when spans are decoded, not when the engine is built.
_DECODE_FIELDS = {"nested", "span_extension"}

_ENGINES: dict[str, JPTEngine] = {}
_ENGINES_LOCK = threading.Lock()


def backend_spec(checkpoint_dir: Path, cfg: CheckpointConfig, *, backbone: str | None = None,
                 device: str | None = None, use_prefix_cache: bool = True,
                 backend_options: Mapping[str, Any] | None = None) -> BackendSpec:
    return BackendSpec(backbone=backbone, layer=cfg.layer, checkpoint_dir=checkpoint_dir, device=device,
                       use_prefix_cache=use_prefix_cache, options=dict(backend_options or {}))


def build_engine(
    checkpoint: str | None = None,
    *,
    backbone: str | None = None,
    encoder: str | None = None,
    backend: str = "auto",
    device: str | None = None,
    window_tokens: int = 256,
    window_overlap: int = 32,
    batch_size: int = 8,
    use_prefix_cache: bool = True,
    backend_options: Mapping[str, Any] | None = None,
) -> JPTEngine:
    """Load a checkpoint with its backbone, encoder and a runtime backend (not cached)."""
    from ..model.encoder import DefinitionEncoder

    ckpt_dir, cfg = load_checkpoint_config(checkpoint)
    bb_path = resolve_backbone_path(backbone)
    check_backbone(cfg, weights_fingerprint(bb_path), str(bb_path))
    spec = backend_spec(ckpt_dir, cfg, backbone=str(bb_path), device=device, use_prefix_cache=use_prefix_cache,
                        backend_options=backend_options)
    runtime, selection = create_backend(backend, spec)
    if int(getattr(runtime, "hidden_size", -1)) != cfg.d_llm:
        raise ModelError(f"backend {selection.name!r} gives hidden size {getattr(runtime, 'hidden_size', '?')}, "
                         f"the checkpoint's heads read {cfg.d_llm}")
    enc = DefinitionEncoder(encoder)
    if enc.encoder_id != cfg.encoder_id and encoder is None:
        raise ModelError(f"checkpoint expects definition encoder {cfg.encoder_id}, got {enc.encoder_id}")
    heads = _load_heads(ckpt_dir, cfg, getattr(runtime, "array_framework", "torch"))
    return JPTEngine(
        backend=runtime, tokenizer=runtime.tokenizer, heads=heads, encoder=enc, o_definition=cfg.o_definition,
        embed_form=cfg.embed_form, model_id=cfg.model_id, backend_name=selection.name, selection_reason=selection.reason,
        window_tokens=window_tokens, window_overlap=window_overlap, batch_size=batch_size,
    )


def _load_heads(ckpt_dir: Path, cfg: CheckpointConfig, framework: str) -> Any:
    """The checkpoint's heads in the backend's array type: numpy backends keep torch out of the process."""
    if framework == "numpy":
        from ..model.heads_numpy import NumpyHeads

        heads = NumpyHeads.from_checkpoint(ckpt_dir)
        if heads.token_mlp.w1.shape != (cfg.d_hidden, cfg.d_llm) or heads.entity_mlp.w1.shape != (cfg.d_hidden, cfg.d_enc):
            raise ModelError("checkpoint heads do not match its config")
        return heads
    from ..model.heads import JPTHeads  # torch: imported only when an engine is really built

    heads = JPTHeads(cfg.d_llm, cfg.d_enc, cfg.d_hidden, cfg.d_proj)
    try:
        heads.load_state_dict(load_heads_state(ckpt_dir))
    except RuntimeError as exc:
        raise ModelError(f"checkpoint heads do not match its config: {exc}") from None
    return heads


def settings_key(settings: ModelSettings) -> str:
    """What identifies a built engine: every ModelSettings field but those used at decoding."""
    return json.dumps(settings.model_dump(mode="json", exclude=_DECODE_FIELDS), sort_keys=True)


def load_engine(settings: ModelSettings | None = None) -> JPTEngine:
    """Engine for a policy's ModelSettings, loaded once per process and shared."""
    settings = settings or ModelSettings()
    key = settings_key(settings)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = build_engine(
                settings.checkpoint, backbone=settings.backbone, encoder=settings.encoder, backend=settings.backend,
                window_tokens=settings.window_tokens, window_overlap=settings.window_overlap,
                batch_size=settings.batch_size, backend_options=settings.backend_spec_options(),
            )
            _ENGINES[key] = engine
        return engine


QUICK_START_BACKEND = "numpy"


def quick_start_backend(settings: ModelSettings) -> str | None:
    """The backend a small job starts fastest on, when it can start without converting
    anything (runtime/numpy_backend.py); None: keep `auto`. Loads nothing."""
    from ..registry import backends

    if QUICK_START_BACKEND not in backends.names():
        return None
    try:
        ckpt_dir, cfg = load_checkpoint_config(settings.checkpoint)
        spec = backend_spec(ckpt_dir, cfg, backbone=settings.backbone, backend_options=settings.backend_spec_options())
        ok, _ = backends.get(QUICK_START_BACKEND).auto_availability(spec)
    except Exception:  # anything amiss: the ordinary path reports it properly
        return None
    return QUICK_START_BACKEND if ok else None


def describe_selection(settings: ModelSettings) -> Selection:
    """Which backend `settings` would get, and why, without loading anything (`jpt-redact info`)."""
    ckpt_dir, cfg = load_checkpoint_config(settings.checkpoint)
    spec = backend_spec(ckpt_dir, cfg, backbone=settings.backbone, backend_options=settings.backend_spec_options())
    return select_backend(settings.backend, spec)


def describe_precision(settings: ModelSettings) -> str:
    """The precision the selected backend would run at, and why (`jpt-redact info`)."""
    selection = describe_selection(settings)
    options = settings.backend_spec_options()
    if selection.name == "torch":
        from ..runtime.cpu import choose_precision, physical_cores

        device = "cuda" if selection.reason.startswith("auto: torch sees a CUDA") else "cpu"
        precision, why = choose_precision(options.get("torch_precision"), device)
        threads = options.get("threads") or physical_cores()
        # set by jpt_redact/__init__.py unless the user chose (docs/backends.md#options)
        wait = os.environ.get("OMP_WAIT_POLICY", "libgomp default").lower()
        return (f"{precision} ({why}); {threads} intra-op threads, OpenMP wait {wait}" if device == "cpu"
                else f"{precision} ({why})")
    if selection.name.startswith("onnx"):
        asked = str(options.get("precision") or "auto")
        got = "fp32" if asked == "auto" else asked
        return f"{got} (onnxruntime; model.onnx_precision {asked}: auto is fp32, int8 only when asked for)"
    return "set by the backend plugin"
