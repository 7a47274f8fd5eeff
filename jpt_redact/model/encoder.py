"""Definition encoder (any sentence-transformers model dir) with an on-disk embedding cache.

The cache is keyed by a fingerprint of the encoder's weights (not its directory name: two
fine-tuned encoders in directories of the same name must not share vectors) and is best
effort: an entry that does not load (corrupt, truncated) is recomputed and replaced, and a
cache directory that cannot be written only costs the recomputation.
"""
from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import logging

import numpy as np

from ..errors import ModelError
from .paths import cache_dir, default_encoder_path, force_offline, weights_fingerprint

log = logging.getLogger(__name__)


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
        try:
            fingerprint = weights_fingerprint(path)
        except ModelError:  # no weights file to fingerprint: fall back to the name, as before
            fingerprint = hashlib.sha256(self.encoder_id.encode()).hexdigest()
        try:
            self._cache_dir: Path | None = cache_dir() / "definitions" / fingerprint[:16]
        except OSError as exc:
            log.warning("definition cache unavailable (%s); embeddings are recomputed", exc.strerror)
            self._cache_dir = None

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
            out.append(self._load_cached(k))
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

    def _load_cached(self, key: str) -> np.ndarray | None:
        if self._cache_dir is None:
            return None
        f = self._cache_dir / f"{key}.npy"
        if not f.is_file():
            return None
        try:
            v = np.load(f, allow_pickle=False)
        except Exception:  # corrupt or truncated: a miss, replaced below
            return None
        if v.ndim != 1 or v.dtype.kind != "f" or not np.isfinite(v).all():
            return None
        return v

    def _save(self, key: str, vector: np.ndarray) -> np.ndarray:
        v = vector.astype(np.float32)
        if self._cache_dir is None:
            return v
        tmp = self._cache_dir / f".{key}.{os.getpid()}.{threading.get_ident()}.npy"
        try:
            self._cache_dir.mkdir(parents=True, exist_ok=True)
            np.save(tmp, v)
            os.replace(tmp, self._cache_dir / f"{key}.npy")  # atomic: readers never see half a file
        except OSError as exc:
            log.warning("cannot write the definition cache (%s); embeddings are recomputed", exc.strerror)
            tmp.unlink(missing_ok=True)
        return v


def _key(definition: str) -> str:
    return hashlib.sha256(definition.encode()).hexdigest()
