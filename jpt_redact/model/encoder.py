"""Definition encoder (any sentence-transformers model dir) with an on-disk embedding cache."""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import numpy as np

from ..errors import ModelError
from .paths import cache_dir, default_encoder_path, force_offline


class DefinitionEncoder:
    def __init__(self, ref: str | os.PathLike | None = None, device: str = "cpu"):
        force_offline()
        path = default_encoder_path() if ref in (None, "", "default") else Path(ref).expanduser()
        if not path.exists():
            raise ModelError(f"definition encoder not found: {path}")
        self.path = path
        self.encoder_id = "all-MiniLM-L6-v2" if ref in (None, "", "default") else path.resolve().name
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self._dim: int | None = None
        self._cache_dir = cache_dir() / "definitions" / hashlib.sha256(self.encoder_id.encode()).hexdigest()[:16]

    def _load(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            try:
                self._model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            except Exception as exc:
                raise ModelError(f"cannot load definition encoder {self.path}: {type(exc).__name__}") from exc
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self.encode(["dimension probe"]).shape[1])
        return self._dim

    def encode(self, definitions: list[str]) -> np.ndarray:
        """Embeddings [N, d_enc] (float32), cached on disk per (encoder, definition text).
        The sentence-transformers model loads only for definitions not in the cache."""
        keys = [_key(d) for d in definitions]
        out: list[np.ndarray | None] = []
        for k in keys:
            f = self._cache_dir / f"{k}.npy"
            out.append(np.load(f) if f.is_file() else None)
        missing = [i for i, v in enumerate(out) if v is None]
        if missing:
            with self._lock:
                model = self._load()
                vecs = model.encode([definitions[i] for i in missing], convert_to_numpy=True, normalize_embeddings=True)
            for i, v in zip(missing, vecs):
                out[i] = self._save(keys[i], v)
        return np.stack(out).astype(np.float32)

    def store(self, definitions: list[str], vectors: np.ndarray) -> None:
        """Put embeddings computed elsewhere into the cache (an offline machine given the
        vectors of its policies; tests with a stand-in encoder)."""
        if len(definitions) != len(vectors):
            raise ModelError(f"{len(definitions)} definitions but {len(vectors)} vectors")
        for d, v in zip(definitions, vectors):
            self._save(_key(d), np.asarray(v))

    def _save(self, key: str, vector: np.ndarray) -> np.ndarray:
        v = vector.astype(np.float32)
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = self._cache_dir / f".{key}.{os.getpid()}.{threading.get_ident()}.npy"
        np.save(tmp, v)
        os.replace(tmp, self._cache_dir / f"{key}.npy")  # atomic: readers never see half a file
        return v


def _key(definition: str) -> str:
    return hashlib.sha256(definition.encode()).hexdigest()
