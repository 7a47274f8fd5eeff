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
from .native_config import fp32_prefix_identity
from .numpy_decoder import NumpyDecoder


@dataclass
class NumpyPrefix:
    ids: tuple[int, ...]
    kv: list[tuple[np.ndarray, np.ndarray]] | None  # per layer [H_kv, P, D]; None: recomputed per call


def _entry(spec) -> tuple[Path, str, int | None]:
    """(store entry directory, backbone SHA-256, layer) for a spec, converting nothing."""
    from ..model.backbone import resolve_backbone_path
    from ..model.paths import weights_fingerprint
    from . import native_store

    sha = weights_fingerprint(resolve_backbone_path(spec.backbone))
    return native_store.store_dir(sha, spec.layer, spec.checkpoint_dir), sha, spec.layer


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
        directory, _, _ = _entry(spec)
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

        directory, _, _ = _entry(spec)
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
        directory, sha, layer = _entry(spec)
        note = f"packed decoder ({directory.name})"
        if not native_store.entry_complete(directory):
            if native_store.ensure_entry(spec.backbone, layer, spec.checkpoint_dir) is None:
                raise BackendUnavailableError("numpy backend: the packed decoder does not cover this backbone")
            note += ", converted now"
        try:
            decoder = NumpyDecoder.from_store(directory)
            tokenizer = native_store.entry_tokenizer(directory)
        except Exception as exc:  # damaged entry: the torch backend rebuilds it, numpy does not
            raise BackendUnavailableError(f"numpy backend: converted backbone unreadable ({type(exc).__name__})") from None
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
        if prefix.kv is None:
            return None
        out = {}
        for i, (k, v) in enumerate(prefix.kv):
            out[f"k{i}"], out[f"v{i}"] = k, v
        return out

    def prefix_from_tensors(self, prefix_ids: Sequence[int], tensors: dict[str, Any]) -> NumpyPrefix:
        cfg = self.decoder.config
        want = (cfg.num_kv_heads, len(prefix_ids), cfg.head_dim)
        def plain(t: Any) -> np.ndarray:  # torch's fp32 packed decoder stores [1, H_kv, P, D]
            a = np.asarray(t, dtype=np.float32)
            return a[0] if a.ndim == 4 and a.shape[0] == 1 else a

        try:
            kv = [(plain(tensors[f"k{i}"]), plain(tensors[f"v{i}"])) for i in range(cfg.num_layers)]
        except KeyError:
            raise ValueError("stored prefix does not fit this model") from None
        if len(tensors) != 2 * cfg.num_layers or any(k.shape != want or v.shape != want for k, v in kv):
            raise ValueError("stored prefix does not fit this model")
        return NumpyPrefix(tuple(prefix_ids), kv)

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
