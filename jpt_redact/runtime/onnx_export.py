"""Export the backbone's prefill to ONNX (fp32, optionally dynamic int8), cached once per model.

The graph is the transformers base model cut at the checkpoint's layer, LoRA merged, with
dynamic batch and sequence axes and past key/value inputs, so the policy prefix cache works
the same as in the torch backend:

    inputs   input_ids [B,S] int64, attention_mask [B,P+S] int64, position_ids [B,S] int64,
             past_key_<i>, past_value_<i> [B,H_kv,P,D] float32 for each layer i (P may be 0)
    outputs  last_hidden_state [B,S,hidden] float32 (after the final norm),
             present_key_<i>, present_value_<i> [B,H_kv,P+S,D]

One graph serves both the prefix run (P = 0) and the suffix runs (P = prefix length).

Exports live in <cache>/onnx/<key>/ where the key hashes everything that changes the graph:
backbone weights SHA-256, layer, the LoRA adapter files, int8 flag, opset and this module's
format version. The heads are not in the graph, so retraining only the heads reuses the export.
Every write goes to a temporary directory renamed into place, so a crash or a concurrent
export never leaves a half-written model where the backend would load it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ModelError
from ..model.backbone import resolve_backbone_path
from ..model.checkpoint import check_backbone, load_checkpoint_config
from ..model.lora import lora_digest
from ..model.paths import cache_dir, weights_fingerprint
from .native_store import transformers_backbone
from .torch_backend import _cache_kwarg, _output_cache

EXPORT_FORMAT = 2
DEFAULT_OPSET = 17
MODEL_FILE = "model.onnx"
META_FILE = "meta.json"
INPUT_NAMES = ["input_ids", "attention_mask", "position_ids"]
OUTPUT_NAMES = ["last_hidden_state"]

# Dynamic int8 recipe, chosen by measurement (docs/backends.md): MatMul weights QInt8 per
# tensor, activations quantized per call. The MLP output projections (`down_proj`) stay fp32:
# their input (the SwiGLU product) has outliers that per-tensor uint8 activations cannot
# hold, and they alone account for most of the int8 drift (hidden-state cosine median 0.968
# with them quantized, 0.996 without). reduce_range did not help (0.962).
INT8_RECIPE = "matmul-qint8-keep-down_proj"
INT8_REDUCE_RANGE = False
INT8_FP32_MODULES = ("/mlp/down_proj/",)


def export_key(backbone_sha256: str, layer: int | None, lora_sha256: str, *, int8: bool, opset: int) -> str:
    blob = json.dumps([EXPORT_FORMAT, backbone_sha256, layer, lora_sha256, INT8_RECIPE if int8 else None, int(opset)])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def kv_names(n_layers: int, kind: str) -> list[str]:
    """The graph's cache inputs (kind "past") or outputs ("present"): <kind>_key_<i>, <kind>_value_<i>
    per layer, in feeding order. The backend feeds by these names; this is their one home."""
    return [f"{kind}_{kv}_{i}" for i in range(n_layers) for kv in ("key", "value")]


def _identity(backbone: str | None, layer: int | None, checkpoint_dir: Path | None) -> tuple[str, str]:
    return weights_fingerprint(resolve_backbone_path(backbone)), lora_digest(checkpoint_dir)


def cached_export_dir(backbone: str | None, layer: int | None, checkpoint_dir: Path | None, *, int8: bool,
                      opset: int = DEFAULT_OPSET) -> Path:
    """Where the export for this model lives in the cache (it may not exist yet)."""
    bb_sha, lora_sha = _identity(backbone, layer, checkpoint_dir)
    return cache_dir() / "onnx" / export_key(bb_sha, layer, lora_sha, int8=int8, opset=opset)


def is_complete(directory: Path) -> bool:
    return (directory / MODEL_FILE).is_file() and (directory / META_FILE).is_file()


def read_meta(directory: Path) -> dict[str, Any]:
    try:
        return json.loads((directory / META_FILE).read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"not an ONNX export of jpt-redact (no readable {META_FILE}): {directory}") from exc


def ensure_export(backbone: str | None, layer: int | None, checkpoint_dir: Path | None, *, int8: bool,
                  opset: int = DEFAULT_OPSET) -> Path:
    """The cached export directory, exporting (and quantizing) first if it is not there yet."""
    target = cached_export_dir(backbone, layer, checkpoint_dir, int8=int8, opset=opset)
    if is_complete(target):
        return target
    if int8:
        fp32 = ensure_export(backbone, layer, checkpoint_dir, int8=False, opset=opset)
        _publish(target, lambda tmp: _quantize(fp32, tmp))
    else:
        _publish(target, lambda tmp: _export_fp32(backbone, layer, checkpoint_dir, opset, tmp))
    return target


def export_onnx(checkpoint: str | os.PathLike | None, out_dir: str | os.PathLike | None = None, *,
                int8: bool = False, opset: int = DEFAULT_OPSET, backbone: str | None = None) -> Path:
    """Export a checkpoint's backbone (cut at its layer, LoRA merged) and return the directory
    holding model.onnx + meta.json: `out_dir` when given, else the cache entry."""
    ckpt_dir, cfg = load_checkpoint_config(None if checkpoint is None else str(checkpoint))
    bb_path = resolve_backbone_path(backbone)
    check_backbone(cfg, weights_fingerprint(bb_path), str(bb_path))
    cached = ensure_export(str(bb_path), cfg.layer, ckpt_dir, int8=int8, opset=opset)
    if out_dir is None:
        return cached
    out = Path(out_dir).expanduser()
    out.mkdir(parents=True, exist_ok=True)
    (out / META_FILE).unlink(missing_ok=True)  # a directory without meta is never loaded
    for name in (MODEL_FILE, META_FILE):  # meta last: its presence marks a complete export
        tmp = out / f".{name}.{os.getpid()}.tmp"
        shutil.copyfile(cached / name, tmp)
        os.replace(tmp, out / name)
    return out


def _publish(target: Path, build) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
    try:
        build(tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            if not is_complete(target):  # not a concurrent export that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _io_names(n_layers: int) -> tuple[list[str], list[str], list[str], list[str]]:
    return INPUT_NAMES, kv_names(n_layers, "past"), OUTPUT_NAMES, kv_names(n_layers, "present")


def _kv_shape(config: Any) -> tuple[int, int, int]:
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    n_kv = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
    return int(config.num_hidden_layers), int(n_kv), int(head_dim)


def _prefill_module(model: Any) -> Any:
    """The base model with flat tensors in and out (the exporter cannot trace Cache objects)."""
    import torch
    from transformers import DynamicCache

    class PrefillWithPast(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m  # node names read /m/layers.<i>/mlp/down_proj/MatMul (int8_nodes_to_exclude)

        def forward(self, input_ids, attention_mask, position_ids, *past):
            cache = DynamicCache(ddp_cache_data=[(past[i], past[i + 1]) for i in range(0, len(past), 2)])
            out = self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         use_cache=True, **{_cache_kwarg(self.m): cache})
            flat = [out.last_hidden_state]
            for layer in _output_cache(out).layers:
                flat += [layer.keys, layer.values]
            return tuple(flat)

    return PrefillWithPast(model).eval()


def _export_fp32(backbone: str | None, layer: int | None, checkpoint_dir: Path | None, opset: int, tmp: Path) -> None:
    import torch

    bb = transformers_backbone(backbone, layer, checkpoint_dir, device="cpu", dtype="float32")
    model = bb.model
    # Eager attention exports as MatMul + Add(mask) + Softmax; the SDPA export adds Where/IsNaN
    # guards that cost ~5% on CPU. Same math: the parity test holds it to the torch backend.
    if hasattr(model, "set_attn_implementation"):
        model.set_attn_implementation("eager")
    wrapper = _prefill_module(model)
    n_layers, n_kv, head_dim = _kv_shape(model.config)
    inputs, past, outputs, present = _io_names(n_layers)
    # Trace with a real past (P=3) and a padded row, so no shape or mask shortcut is baked in.
    bsz, seq, plen = 2, 5, 3
    ids = torch.randint(0, int(model.config.vocab_size), (bsz, seq))
    mask = torch.ones((bsz, plen + seq), dtype=torch.long)
    mask[1, -2:] = 0
    pos = (torch.arange(seq) + plen).expand(bsz, -1).contiguous()
    kv = [torch.randn(bsz, n_kv, plen, head_dim) for _ in past]
    axes: dict[str, dict[int, str]] = {
        "input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "total"},
        "position_ids": {0: "batch", 1: "seq"}, "last_hidden_state": {0: "batch", 1: "seq"},
    }
    axes.update({n: {0: "batch", 2: "past"} for n in past})
    axes.update({n: {0: "batch", 2: "total"} for n in present})
    import warnings

    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about python branches we avoid on purpose
        torch.onnx.export(
            wrapper, (ids, mask, pos, *kv), str(tmp / MODEL_FILE), input_names=inputs + past,
            output_names=outputs + present, dynamic_axes=axes, opset_version=opset, dynamo=False,
        )
    meta = {
        "format": EXPORT_FORMAT, "precision": "fp32", "opset": opset, "backbone_id": bb.model_id,
        "backbone_sha256": bb.weights_sha256, "layer": layer, "lora_sha256": lora_digest(checkpoint_dir),
        "hidden_size": bb.hidden_size, "num_layers": n_layers, "num_attention_heads": int(model.config.num_attention_heads), "num_kv_heads": n_kv, "head_dim": head_dim,
        "torch": torch.__version__, "int8_excluded_nodes": [],
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=1))


def int8_nodes_to_exclude(model_path: Path) -> list[str]:
    """The MatMuls kept in fp32 (INT8_FP32_MODULES), by node name."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    return [n.name for n in graph.node if n.op_type == "MatMul" and any(m in n.name for m in INT8_FP32_MODULES)]


class _DropMessage(logging.Filter):
    def __init__(self, fragment: str):
        super().__init__()
        self.fragment = fragment

    def filter(self, record: logging.LogRecord) -> bool:
        return self.fragment not in record.getMessage()


def _quantize(fp32_dir: Path, tmp: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    meta = read_meta(fp32_dir)
    exclude = int8_nodes_to_exclude(fp32_dir / MODEL_FILE)
    root = logging.getLogger()
    advice = _DropMessage("consider to run pre-processing")  # onnxruntime's generic advice, not ours
    root.addFilter(advice)
    try:
        quantize_dynamic(
            str(fp32_dir / MODEL_FILE), str(tmp / MODEL_FILE), weight_type=QuantType.QInt8, per_channel=False,
            reduce_range=INT8_REDUCE_RANGE, op_types_to_quantize=["MatMul"], nodes_to_exclude=exclude,
        )
    finally:
        root.removeFilter(advice)
    meta.update(precision="int8", int8_recipe=INT8_RECIPE, int8_excluded_nodes=exclude)
    (tmp / META_FILE).write_text(json.dumps(meta, indent=1))
