"""The policy prefix on disk: prompt pieces and prefix K/V, computed once per (model, policy).

Computing the prefix of the default policy (~1,400 tokens through 16 layers) is most of a warm
start, and it depends only on the model and the type definitions — never on a document. So
`JPTEngine.prepare` keeps it in <cache>/prefix/<key>.safetensors:

    key       SHA-256 of [format, prompt version, the backend's prefix identity (backbone
              weights, layer, LoRA adapter, precision), the ordered (label, definition[, prompt form]) rows]
    tensors   the backend's prefix state (`backend.prefix_tensors`), e.g. k0, v0, k1, ...
    metadata  the key again, the prefix and bridge token ids

Only backends that name a `prefix_identity` take part. Writes go to a temporary file renamed
into place; a file that cannot be read, or does not fit the model, is recomputed and replaced.
At most MAX_FILES files are kept, least recently used pruned first. No user text is ever hashed
or stored here.

Beside them, the prompt pieces alone (<cache>/prompts/<key>.json, keyed by the backbone's
weights and the rows): tokenizing the rendered chat template needs transformers, so a backend
whose prefix is not stored yet (numpy after torch, another precision) still starts without it.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Mapping

from ..model.paths import cache_dir, prune_lru, touch
from ..model.prompt import PROMPT_VERSION, PromptPieces, type_key

PREFIX_FORMAT = 1
# Files kept (least recently used go first): one is 30-50 MB for the default model, and an SDK
# user who scores many ad-hoc type sets must not fill the disk.
MAX_FILES = 24


def prefix_key(identity: str, types: Mapping[str, str]) -> str:
    blob = json.dumps([PREFIX_FORMAT, PROMPT_VERSION, identity, type_key(types)], ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def prefix_path(key: str) -> Path:
    return cache_dir() / "prefix" / f"{key[:40]}.safetensors"


def load(backend: Any, identity: str, types: Mapping[str, str]) -> tuple[PromptPieces, Any] | None:
    """(pieces, backend prefix state) from the store, or None (absent, unreadable, not fitting)."""
    key = prefix_key(identity, types)
    path = prefix_path(key)
    if not path.is_file():
        return None
    try:
        from safetensors import safe_open

        # "pt" or "numpy": a numpy backend's process never imports torch
        with safe_open(str(path), framework=getattr(backend, "tensor_framework", "pt")) as fh:
            meta = fh.metadata() or {}
            if meta.get("key") != key:
                raise ValueError("key mismatch")
            tensors = {name: fh.get_tensor(name) for name in fh.keys()}
        pieces = PromptPieces(tuple(json.loads(meta["prefix_ids"])), tuple(json.loads(meta["bridge_ids"])))
        prefix = backend.prefix_from_tensors(pieces.prefix_ids, tensors)
        touch(path)  # recently used: pruned last
        return pieces, prefix
    except Exception:  # corrupt or foreign: recompute (save() replaces it)
        return None


def save(identity: str, types: Mapping[str, str], pieces: PromptPieces, tensors: Mapping[str, Any]) -> None:
    """Best effort: a cache that cannot be written only costs the next start its time.
    `tensors` are torch tensors or numpy arrays (the backend's own kind)."""
    import numpy as np

    key = prefix_key(identity, types)
    path = prefix_path(key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(tensors)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        metadata = {"key": key, "prefix_ids": json.dumps(list(pieces.prefix_ids)),
                    "bridge_ids": json.dumps(list(pieces.bridge_ids))}
        if all(isinstance(v, np.ndarray) for v in tensors.values()):
            from safetensors.numpy import save_file as save_numpy

            save_numpy({k: np.ascontiguousarray(v) for k, v in tensors.items()}, str(tmp), metadata=metadata)
        else:
            from safetensors.torch import save_file

            save_file({k: v.contiguous().cpu() for k, v in tensors.items()}, str(tmp), metadata=metadata)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return
    prune_lru(path.parent, "*.safetensors", MAX_FILES)


def _pieces_path(weights_sha256: str, types: Mapping[str, str]) -> Path:
    blob = json.dumps([PREFIX_FORMAT, PROMPT_VERSION, weights_sha256, type_key(types)], ensure_ascii=False)
    return cache_dir() / "prompts" / f"{hashlib.sha256(blob.encode()).hexdigest()[:40]}.json"


def load_pieces(weights_sha256: str, types: Mapping[str, str]) -> PromptPieces | None:
    """The prompt pieces of (backbone, types) rendered by an earlier run, or None."""
    path = _pieces_path(weights_sha256, types)
    try:
        raw = json.loads(path.read_text())
        pieces = PromptPieces(tuple(int(i) for i in raw["prefix_ids"]), tuple(int(i) for i in raw["bridge_ids"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    touch(path)
    return pieces


def save_pieces(weights_sha256: str, types: Mapping[str, str], pieces: PromptPieces) -> None:
    """Best effort, atomic; at most MAX_FILES kept (they are a few kB)."""
    path = _pieces_path(weights_sha256, types)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{id(pieces)}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps({"prefix_ids": list(pieces.prefix_ids), "bridge_ids": list(pieces.bridge_ids)}))
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        return
    prune_lru(path.parent, "*.json", MAX_FILES)
