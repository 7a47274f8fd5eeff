"""numpy backend: the packed decoder (runtime/numpy_decoder.py) with no torch in the process.

For jobs where start-up is the cost: importing torch takes ~2 s, longer than reading a
sentence twice. It runs from the torch backend's converted store entry (native_store.py), and
builds that entry when it is missing (a GGUF directly; the tokenizer's conversion still
imports transformers, so a first run is not torch-free). The
command line picks it for small jobs (`cli/common.quick_start_backend`); asked for by name
(`--backend numpy`, `model.backend: numpy`) it serves any job, at fp32.

Its prefix K/V are stored under the fp32 packed decoders' identity (engine/prefix_store.py):
shared with torch's packed decoder when that runs fp32, never with its bf16 prefixes.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..errors import BackendUnavailableError
from ..model.lora import lora_digest
from .base import layer_kv_from_tensors, layer_kv_tensors
from .native_config import fp32_prefix_identity
from .numpy_decoder import NumpyDecoder


@dataclass
class NumpyPrefix:
    ids: tuple[int, ...]
    kv: list[tuple[np.ndarray, np.ndarray]] | None  # per layer [H_kv, P, D]; None: recomputed per call


def _entry(spec) -> tuple[Path, str]:
    """(store entry directory, backbone SHA-256) for a spec, converting nothing."""
    from ..model.backbone import resolve_backbone_path
    from ..model.paths import weights_fingerprint
    from . import native_store

    sha = weights_fingerprint(resolve_backbone_path(spec.backbone))
    return native_store.store_dir(sha, spec.layer, spec.checkpoint_dir), sha


class NumpyBackend:
    name = "numpy"
    tensor_framework = "numpy"  # what its prefix tensors are, for the prefix store
    array_framework = "numpy"  # what its hidden states are: the engine pairs it with numpy heads
    precision = "fp32"
    precision_reason = "numpy: fp32 GEMMs"

    def __init__(self, decoder: NumpyDecoder, tokenizer: Any, *, weights_sha256: str, identity: str,
                 use_prefix_cache: bool = True, load_note: str = ""):
        self.decoder = decoder
        self._tokenizer = tokenizer
        self.hidden_size = decoder.hidden_size
        self.weights_sha256 = weights_sha256
        self.prefix_identity = identity
        self.use_prefix_cache = use_prefix_cache
        self.load_note = load_note

    @classmethod
    def availability(cls, spec) -> tuple[bool, str]:
        from . import native_store

        if spec.device and not str(spec.device).startswith("cpu"):
            return False, f"numpy runs on the CPU only (device {spec.device!r})"
        directory, _ = _entry(spec)
        if native_store.entry_complete(directory):
            return True, f"converted backbone {directory.name}"
        from ..model.backbone import resolve_backbone_path

        if resolve_backbone_path(spec.backbone).is_file():  # a GGUF: its architecture is read at conversion
            return True, "packed decoder (converted on first use)"
        ok, why = native_store.support(spec.backbone)
        return (True, "packed decoder (converted on first use)") if ok else (False, why)

    @classmethod
    def auto_availability(cls, spec) -> tuple[bool, str]:
        """Only a converted store entry: a quick start never begins with a conversion."""
        from . import native_store

        directory, _ = _entry(spec)
        if spec.device and not str(spec.device).startswith("cpu"):
            return False, f"device {spec.device!r} requested"
        if not native_store.entry_complete(directory):
            return False, "no converted backbone yet (the first run converts it with torch)"
        return True, f"converted backbone {directory.name}"

    @classmethod
    def create(cls, spec) -> "NumpyBackend":
        from . import native_store

        ok, why = cls.availability(spec)
        if not ok:
            raise BackendUnavailableError(f"numpy backend: {why}")
        directory, sha = _entry(spec)
        note = f"packed decoder ({directory.name})"
        for rebuild in (False, True):  # a damaged entry is rebuilt once, never used
            if rebuild or not native_store.entry_complete(directory):
                if native_store.ensure_entry(spec.backbone, spec.layer, spec.checkpoint_dir, rebuild=rebuild) is None:
                    raise BackendUnavailableError("numpy backend: the packed decoder does not cover this backbone")
                note = f"packed decoder ({directory.name}), converted now"
            try:
                decoder = NumpyDecoder.from_store(directory)
                tokenizer = native_store.entry_tokenizer(directory)
                break
            except Exception as exc:
                why = type(exc).__name__
        else:
            raise BackendUnavailableError(f"numpy backend: converted backbone unreadable ({why})")
        identity = fp32_prefix_identity(sha, decoder.config.num_layers, lora_digest(spec.checkpoint_dir))
        return cls(decoder, tokenizer, weights_sha256=sha, identity=identity,
                   use_prefix_cache=spec.use_prefix_cache, load_note=note)

    @property
    def tokenizer(self) -> Any:
        return self._tokenizer

    # -- the policy prefix ------------------------------------------------------------------
    def prepare_prefix(self, prefix_ids: Sequence[int]) -> NumpyPrefix:
        if not self.use_prefix_cache:
            return NumpyPrefix(tuple(prefix_ids), None)
        return NumpyPrefix(tuple(prefix_ids), self.decoder.prefix(prefix_ids))

    def prefix_tensors(self, prefix: NumpyPrefix) -> dict[str, np.ndarray] | None:
        return None if prefix.kv is None else layer_kv_tensors(prefix.kv)

    def prefix_from_tensors(self, prefix_ids: Sequence[int], tensors: dict[str, Any]) -> NumpyPrefix:
        cfg = self.decoder.config
        kv = layer_kv_from_tensors(tensors, cfg.num_layers, len(prefix_ids))
        if kv[0][0].shape != (cfg.num_kv_heads, len(prefix_ids), cfg.head_dim):
            raise ValueError("stored prefix does not fit this model")
        return NumpyPrefix(tuple(prefix_ids), [(np.asarray(k, np.float32), np.asarray(v, np.float32)) for k, v in kv])

    # -- the engine's path ----------------------------------------------------------------------
    supports_packing = True

    def packed_hidden_states(self, prefix: NumpyPrefix, suffixes: Sequence[Sequence[int]],
                             keep_last: Sequence[int] | None = None) -> list[np.ndarray]:
        """Hidden states of each suffix ([len, hidden] float32), all suffixes in one packed pass."""
        kv = prefix.kv if prefix.kv is not None else self.decoder.prefix(prefix.ids) if prefix.ids else None
        return self.decoder.packed(kv, suffixes, keep_last)

    def suffix_hidden_states(self, prefix: NumpyPrefix, suffixes: Sequence[Sequence[int]]) -> np.ndarray:
        """The packed rows right-padded to [B, max_len, hidden] (the protocol's padded call)."""
        rows = self.packed_hidden_states(prefix, suffixes)
        out = np.zeros((len(rows), max(len(r) for r in rows), self.hidden_size), dtype=np.float32)
        for i, r in enumerate(rows):
            out[i, : len(r)] = r
        return out
