"""onnxruntime backend: the exported prefill (see onnx_export) on CPU, CUDA or TensorRT.

Four registered names share this code and differ only in the execution providers they accept:

    onnx           the best provider present: TensorRT, then CUDA (with a GPU), then CPU
    onnx-cpu       CPUExecutionProvider
    onnx-cuda      CUDAExecutionProvider (onnxruntime-gpu and a CUDA device)
    onnx-tensorrt  TensorrtExecutionProvider (engines cached under <cache>/tensorrt/)

A provider that is asked for and missing raises BackendUnavailableError; the session's
providers are checked after it is created because onnxruntime itself would quietly run on
CPU when a GPU provider fails to load.

Options (BackendSpec.options; from a policy: model.onnx_precision, model.onnx_dir and
model.backend_options; the CLI's --onnx-precision / --onnx-dir and their environment variables
JPT_REDACT_ONNX_PRECISION / JPT_REDACT_ONNX_DIR override the policy). Nothing here reads the
environment:
    precision  "fp32" | "int8" | "auto": auto is fp32, because the int8 export lost 4.4 F1
               points on the default model and was barely faster on an AVX2 CPU without VNNI
               (docs/backends.md); GPUs have no kernels for its MatMuls
    onnx_dir   a directory written by `jpt-redact export-onnx -o`, used instead of the cache
               after checking it was exported from this model
    threads    intra-op threads (default 0: onnxruntime uses the physical cores)
    attention_mb  split a batch so that one layer's attention scores stay under this (default 64)
    spin       let idle intra-op threads spin (default False: with spinning, a machine whose
               cores are shared with other work ran the same batch 2.5x slower)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import BackendUnavailableError, ModelError
from ..model.backbone import load_tokenizer, resolve_backbone_path
from ..model.lora import lora_digest
from ..model.paths import cache_dir, weights_fingerprint
from ..policy import ONNX_PRECISIONS
from . import onnx_export

PROVIDERS = {"tensorrt": "TensorrtExecutionProvider", "cuda": "CUDAExecutionProvider", "cpu": "CPUExecutionProvider"}
PRECISIONS = ONNX_PRECISIONS


def available_providers() -> list[str]:
    try:
        import onnxruntime as ort
    except ImportError as exc:
        raise BackendUnavailableError(
            "onnxruntime is not installed: pip install 'jpt-redact[onnx]' (or 'jpt-redact[gpu]')"
        ) from exc
    return list(ort.get_available_providers())


def cuda_device_count() -> int:
    """CUDA devices visible to this process (onnxruntime-gpu may sit next to a CPU-only torch)."""
    try:
        import torch

        if torch.cuda.is_available():
            return int(torch.cuda.device_count())
    except Exception:  # a broken torch CUDA install is the same as no device here
        pass
    try:
        import ctypes

        lib = ctypes.CDLL("nvcuda.dll" if os.name == "nt" else "libcuda.so.1")
        count = ctypes.c_int(0)
        if lib.cuInit(0) != 0 or lib.cuDeviceGetCount(ctypes.byref(count)) != 0:
            return 0
        return int(count.value)
    except (OSError, AttributeError):
        return 0


def provider_status(kind: str) -> tuple[bool, str]:
    try:
        providers = available_providers()
    except BackendUnavailableError as exc:
        return False, str(exc)
    provider = PROVIDERS[kind]
    if provider not in providers:
        extra = "pip install 'jpt-redact[gpu]'" if kind != "cpu" else "pip install 'jpt-redact[onnx]'"
        return False, f"onnxruntime has no {provider} ({extra})"
    if kind != "cpu" and cuda_device_count() == 0:
        return False, f"{provider} is installed but no CUDA device is visible"
    return True, f"onnxruntime {provider}"


def resolve_precision(spec: Any) -> str:
    value = str(spec.options.get("precision") or "auto").lower()
    if value not in PRECISIONS:
        raise ModelError(f"unknown ONNX precision {value!r} (use one of {', '.join(PRECISIONS)})")
    return "fp32" if value == "auto" else value


@dataclass
class OnnxPrefix:
    ids: tuple[int, ...]
    kv: list[np.ndarray] | None  # past_key_0, past_value_0, ... with batch 1; None = no cache
    _expanded: dict[int, list[np.ndarray]] = field(default_factory=dict, repr=False)

    def batch(self, bsz: int) -> list[np.ndarray]:
        # onnxruntime wants contiguous inputs; keep the copies for the batch sizes in use
        hit = self._expanded.get(bsz)
        if hit is None:
            hit = [np.ascontiguousarray(np.repeat(a, bsz, axis=0)) for a in self.kv or []]
            if len(self._expanded) < 8:
                self._expanded[bsz] = hit
        return hit


class OnnxBackend:
    name = "onnx"
    kinds: tuple[str, ...] = ("tensorrt", "cuda", "cpu")  # accepted providers, best first

    def __init__(self, session: Any, meta: dict, tokenizer: Any, *, kind: str, precision: str,
                 model_dir: Path, use_prefix_cache: bool = True, attention_mb: float = 64):
        self.session = session
        self.meta = meta
        self._tokenizer = tokenizer
        self.kind = kind
        self.precision = precision
        self.model_dir = model_dir
        self.hidden_size = int(meta["hidden_size"])
        self.use_prefix_cache = use_prefix_cache
        self.attention_bytes = attention_mb * 2**20
        self._heads = int(meta.get("num_attention_heads") or self.hidden_size // int(meta["head_dim"]))
        n_layers = int(meta["num_layers"])
        self._past_names = onnx_export.kv_names(n_layers, "past")
        self._present_names = onnx_export.kv_names(n_layers, "present")
        self._empty_past = np.zeros((1, int(meta["num_kv_heads"]), 0, int(meta["head_dim"])), dtype=np.float32)
        # what the policy prefix K/V on disk is keyed by (engine/prefix_store.py): the graph's model
        self.prefix_identity = "|".join(str(x) for x in (
            "onnx", meta.get("backbone_sha256"), meta.get("layer"), meta.get("lora_sha256"), meta.get("precision"),
            meta.get("int8_recipe"), meta.get("format"), meta.get("opset")))

    # -- selection ------------------------------------------------------------------------
    @classmethod
    def pick_kind(cls) -> tuple[str | None, list[str]]:
        reasons = []
        for kind in cls.kinds:
            ok, why = provider_status(kind)
            if ok:
                return kind, reasons
            reasons.append(why)
        return None, reasons

    @classmethod
    def availability(cls, spec: Any) -> tuple[bool, str]:
        kind, reasons = cls.pick_kind()
        if kind is None:
            return False, "; ".join(dict.fromkeys(reasons))
        return True, provider_status(kind)[1]

    @classmethod
    def auto_availability(cls, spec: Any) -> tuple[bool, str]:
        """For `auto`: CPU is only worth it over torch with an export already in the cache."""
        ok, why = cls.availability(spec)
        kind = cls.pick_kind()[0]
        if not ok or kind != "cpu":
            return ok, why
        precision = resolve_precision(spec)
        try:
            found = _explicit_dir(spec) is not None or onnx_export.is_complete(
                onnx_export.cached_export_dir(spec.backbone, spec.layer, spec.checkpoint_dir, int8=precision == "int8")
            )
        except ModelError as exc:
            return False, str(exc)
        if not found:
            return False, f"no {precision} ONNX export in the cache (run `jpt-redact export-onnx{' --int8' if precision == 'int8' else ''}`)"
        return True, f"{why}, cached {precision} export"

    @classmethod
    def create(cls, spec: Any) -> "OnnxBackend":
        kind, reasons = cls.pick_kind()
        if kind is None:
            raise BackendUnavailableError(f"backend {cls.name!r} is not available: {'; '.join(dict.fromkeys(reasons))}")
        precision = resolve_precision(spec)
        model_dir = _explicit_dir(spec)
        if model_dir is None:
            model_dir = onnx_export.ensure_export(spec.backbone, spec.layer, spec.checkpoint_dir, int8=precision == "int8")
        meta = onnx_export.read_meta(model_dir)
        session = _session(model_dir, kind, spec.options.get("threads"), bool(spec.options.get("spin", False)))
        return cls(session, meta, load_tokenizer(spec.backbone), kind=kind, precision=meta.get("precision", precision),
                   model_dir=model_dir, use_prefix_cache=spec.use_prefix_cache,
                   attention_mb=float(spec.options.get("attention_mb") or 64))

    # -- the Backend protocol -----------------------------------------------------------------
    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def weights_sha256(self) -> str:
        return str(self.meta["backbone_sha256"])

    def _run(self, ids: np.ndarray, mask: np.ndarray, positions: np.ndarray, past: Sequence[np.ndarray],
             outputs: list[str]) -> list[np.ndarray]:
        feeds = {"input_ids": ids, "attention_mask": mask, "position_ids": positions}
        feeds.update(zip(self._past_names, past))
        return self.session.run(outputs, feeds)

    def _no_past(self, bsz: int) -> list[np.ndarray]:
        empty = np.repeat(self._empty_past, bsz, axis=0)
        return [empty] * len(self._past_names)

    def prepare_prefix(self, prefix_ids: Sequence[int]) -> OnnxPrefix:
        if not self.use_prefix_cache:
            return OnnxPrefix(tuple(prefix_ids), None)
        n = len(prefix_ids)
        ids = np.asarray([list(prefix_ids)], dtype=np.int64)
        out = self._run(ids, np.ones((1, n), np.int64), np.arange(n, dtype=np.int64)[None], self._no_past(1),
                        self._present_names)
        return OnnxPrefix(tuple(prefix_ids), out)

    def prefix_tensors(self, prefix: OnnxPrefix) -> dict[str, Any] | None:
        if prefix.kv is None:
            return None
        import torch

        return {name: torch.from_numpy(np.ascontiguousarray(a)) for name, a in zip(self._past_names, prefix.kv)}

    def prefix_from_tensors(self, prefix_ids: Sequence[int], tensors: dict[str, Any]) -> OnnxPrefix:
        kv = [np.ascontiguousarray(tensors[name].numpy(), dtype=np.float32) for name in self._past_names]
        if len(tensors) != len(self._past_names) or any(a.shape[2] != len(prefix_ids) for a in kv):
            raise ValueError("stored prefix does not fit this model")
        return OnnxPrefix(tuple(prefix_ids), kv)

    def suffix_hidden_states(self, prefix: OnnxPrefix, suffixes: Sequence[Sequence[int]]):
        import torch

        max_len = max(len(s) for s in suffixes)
        out = np.zeros((len(suffixes), max_len, self.hidden_size), dtype=np.float32)
        for start, end in self._chunks(suffixes, len(prefix.ids)):
            hidden = self._suffix_chunk(prefix, suffixes[start:end])
            out[start:end, : hidden.shape[1]] = hidden
        return torch.from_numpy(out)

    def _chunks(self, suffixes: Sequence[Sequence[int]], plen: int) -> list[tuple[int, int]]:
        """Consecutive row ranges whose attention scores (rows x heads x len x (prefix + len)
        float32, materialised by the graph) fit in `attention_mb`: the peak memory of a batch
        of long windows, not its speed, is what this bounds. Each range pads to its own length."""
        chunks, start = [], 0
        while start < len(suffixes):
            end, longest = start, 0
            while end < len(suffixes):
                longest = max(longest, len(suffixes[end]))
                size = (end + 1 - start) * self._heads * longest * (plen + longest) * 4
                if end > start and size > self.attention_bytes:
                    break
                end += 1
            chunks.append((start, end))
            start = end
        return chunks

    def _suffix_chunk(self, prefix: OnnxPrefix, suffixes: Sequence[Sequence[int]]) -> np.ndarray:
        bsz, max_len, plen = len(suffixes), max(len(s) for s in suffixes), len(prefix.ids)
        ids = np.zeros((bsz, max_len), dtype=np.int64)
        mask = np.zeros((bsz, plen + max_len), dtype=np.int64)
        mask[:, :plen] = 1
        for i, s in enumerate(suffixes):
            ids[i, : len(s)] = s
            mask[i, plen : plen + len(s)] = 1
        if prefix.kv is not None:
            positions = np.broadcast_to(np.arange(plen, plen + max_len, dtype=np.int64), (bsz, max_len)).copy()
            return self._run(ids, mask, positions, prefix.batch(bsz), ["last_hidden_state"])[0]
        full = np.concatenate([np.broadcast_to(np.asarray(prefix.ids, np.int64), (bsz, plen)), ids], 1)
        positions = np.broadcast_to(np.arange(plen + max_len, dtype=np.int64), (bsz, plen + max_len)).copy()
        return self._run(full, mask, positions, self._no_past(bsz), ["last_hidden_state"])[0][:, plen:]


class OnnxCpuBackend(OnnxBackend):
    name = "onnx-cpu"
    kinds = ("cpu",)


class OnnxCudaBackend(OnnxBackend):
    name = "onnx-cuda"
    kinds = ("cuda",)


class OnnxTensorRTBackend(OnnxBackend):
    name = "onnx-tensorrt"
    kinds = ("tensorrt",)


def _explicit_dir(spec: Any) -> Path | None:
    """A user's export-onnx directory, checked against the model it is supposed to be."""
    ref = spec.options.get("onnx_dir")
    if not ref:
        return None
    path = Path(ref).expanduser()
    if not onnx_export.is_complete(path):
        raise ModelError(f"no ONNX export (model.onnx + meta.json) in {path}")
    meta = onnx_export.read_meta(path)
    want = (weights_fingerprint(resolve_backbone_path(spec.backbone)), spec.layer, lora_digest(spec.checkpoint_dir))
    have = (meta.get("backbone_sha256"), meta.get("layer"), meta.get("lora_sha256"))
    if want != have:
        raise ModelError(f"the ONNX export in {path} was made from another backbone, layer or LoRA; re-export it")
    return path


def _session(model_dir: Path, kind: str, threads: int | None, spin: bool = False) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.intra_op_num_threads = int(threads or 0)  # 0: one per physical core
    opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if spin else "0")
    opts.log_severity_level = 3
    providers: list[Any] = []
    if kind == "tensorrt":
        engines = cache_dir() / "tensorrt" / model_dir.name
        engines.mkdir(parents=True, exist_ok=True)
        providers.append((PROVIDERS["tensorrt"], {
            "trt_engine_cache_enable": True, "trt_engine_cache_path": str(engines),
            "trt_timing_cache_enable": True, "trt_timing_cache_path": str(engines),
        }))
    if kind in ("tensorrt", "cuda"):
        providers.append(PROVIDERS["cuda"])  # TensorRT hands the nodes it cannot build to CUDA
    providers.append(PROVIDERS["cpu"])  # shape ops and the CPU kind itself
    try:
        session = ort.InferenceSession(str(model_dir / "model.onnx"), sess_options=opts, providers=providers)
    except Exception as exc:
        if kind == "cpu":
            raise ModelError(f"cannot load the ONNX model in {model_dir}: {type(exc).__name__}") from exc
        raise BackendUnavailableError(f"onnxruntime could not start {PROVIDERS[kind]}: {type(exc).__name__}: {exc}") from exc
    if session.get_providers()[0] != PROVIDERS[kind]:
        raise BackendUnavailableError(f"onnxruntime fell back from {PROVIDERS[kind]} to {session.get_providers()[0]}")
    return session
