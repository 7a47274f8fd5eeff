"""The JPT engine: policy types in, per-token type probabilities out, spans on demand.

    engine = load_engine(policy.model)                       # engine/loader.py
    scores = engine.score(texts, policy.model_types())       # the model runs once
    spans = scores[0].spans(thresholds)                      # decoding, repeatable
    spans = engine.predict(texts, policy.model_types(), thresholds)   # both in one call

Per policy (type set) the engine computes once: the prompt prefix and its KV states, the
definition embeddings and their projections. Per call it tokenizes each text, cuts long
texts into overlapping windows, runs windows in batches through the backend, scores
second-copy tokens with the heads and decodes spans. A loaded engine is safe to share
between threads.
"""
from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from ..errors import DetectionError
from ..findings import Span
from ..model.decode import decode_spans
from ..model.prompt import PromptPieces, TokenizedText, build_prompt, duplicated_suffix, tokenize_text
from .base import DEFAULT_THRESHOLD

_MEMO_MAX = 64  # decodings kept per text (calibration tries a few hundred threshold sets)


def window_ranges(n_tokens: int, size: int, overlap: int) -> list[tuple[int, int]]:
    if n_tokens <= size:
        return [(0, n_tokens)]
    step = max(1, size - overlap)
    ranges, start = [], 0
    while True:
        end = min(start + size, n_tokens)
        ranges.append((start, end))
        if end == n_tokens:
            return ranges
        start += step


class TokenScores:
    """ModelScores of the JPT engine: per-token probabilities [T, N] for one text.

    `spans` decodes them (model/decode.py) at given thresholds. Decoding depends on the
    thresholds only through which tokens clear them (and the low marks of span extension), so
    results are memoised on exactly that: re-decoding at thresholds that tag the same tokens
    costs a hash, which is what makes threshold search over many documents cheap.
    """

    def __init__(self, text: str, tokens: TokenizedText, probs: np.ndarray, labels: Sequence[str]):
        self.text = text
        self.tokens = tokens
        self.probs = probs
        self.labels = tuple(labels)
        self._best = probs.argmax(-1) if len(labels) else np.zeros(len(tokens.ids), dtype=np.int64)
        self._best_p = probs[np.arange(len(self._best)), self._best] if len(labels) else np.zeros(0, np.float32)
        self._memo: dict[tuple, tuple[Span, ...]] = {}
        self._lock = threading.Lock()

    @property
    def offsets(self) -> tuple[tuple[int, int], ...]:
        return self.tokens.offsets

    def spans(self, thresholds: Mapping[str, float], *, nested: bool = False,
              span_extension: float | Mapping[str, float] = 1.0) -> list[Span]:
        if not self.labels or not len(self._best):
            return []
        thr = np.asarray([float(thresholds.get(lab, DEFAULT_THRESHOLD)) for lab in self.labels], dtype=np.float32)
        if isinstance(span_extension, Mapping):
            grow = np.asarray([float(span_extension.get(lab, 1.0)) for lab in self.labels], dtype=np.float32)
        else:
            grow = np.full(len(self.labels), float(span_extension), dtype=np.float32)
        tagged = np.where(self._best_p >= thr[self._best], self._best, -1)
        present = np.unique(tagged[tagged >= 0])
        growing = present[grow[present] < 1.0]
        key = (tagged.tobytes(), growing.tobytes(), (thr * grow)[growing].tobytes(), thr.tobytes() if nested else b"")
        with self._lock:
            hit = self._memo.get(key)
        if hit is None:
            hit = tuple(decode_spans(self.text, self.offsets, self.probs, self.labels, thr, nested=nested, grow=grow))
            with self._lock:
                if len(self._memo) >= _MEMO_MAX:
                    self._memo.clear()
                self._memo[key] = hit
        return list(hit)


@dataclass
class PreparedTypes:
    labels: tuple[str, ...]
    pieces: PromptPieces
    prefix: Any  # backend prefix state
    projected: Any  # torch [N+1, d_proj], O first


class JPTEngine:
    def __init__(
        self,
        *,
        backend: Any,
        tokenizer: Any,
        heads: Any,
        encoder: Any,
        o_definition: str,
        model_id: str,
        backend_name: str | None = None,
        selection_reason: str = "",
        window_tokens: int = 256,
        window_overlap: int = 32,
        batch_size: int = 8,
    ):
        import torch

        self._torch = torch
        self.backend = backend
        self.tokenizer = tokenizer
        self.heads = heads.eval()
        self.encoder = encoder
        self.o_definition = o_definition
        self.model_id = model_id
        self.backend_name = backend_name or getattr(backend, "name", "?")
        self.selection_reason = selection_reason
        self.window_tokens = window_tokens
        self.window_overlap = window_overlap
        self.batch_size = batch_size
        self._prepared: dict[str, PreparedTypes] = {}
        self._lock = threading.Lock()

    # -- per policy ---------------------------------------------------------------------
    def prepare(self, types: Mapping[str, str]) -> PreparedTypes:
        key = hashlib.sha256(json.dumps(list(types.items())).encode()).hexdigest()
        with self._lock:
            hit = self._prepared.get(key)
            if hit is not None:
                return hit
            torch = self._torch
            labels = tuple(types)
            pieces = build_prompt(self.tokenizer, types)
            emb = self.encoder.encode([self.o_definition] + [types[label] for label in labels])
            with torch.inference_mode():
                t = torch.from_numpy(emb)
                projected = self.heads.project_types(t[1:], t[0])
            prepared = PreparedTypes(labels, pieces, self.backend.prepare_prefix(pieces.prefix_ids), projected)
            if len(self._prepared) > 32:  # policies are few; bound the memory anyway
                self._prepared.pop(next(iter(self._prepared)))
            self._prepared[key] = prepared
            return prepared

    # -- per call ---------------------------------------------------------------------
    def score(self, texts: Sequence[str], types: Mapping[str, str], *,
              batch_size: int | None = None) -> list[TokenScores]:
        """The engine protocol (engine/base.py): one TokenScores per text.

        Raises DetectionError naming the exception type (never the text) if inference fails."""
        if not types:
            empty = np.zeros((0, 0), dtype=np.float32)
            return [TokenScores(t, TokenizedText((), ()), empty, ()) for t in texts]
        try:
            scored = self.token_probabilities(texts, types, batch_size=batch_size)
        except Exception as exc:
            raise DetectionError(f"model inference failed: {type(exc).__name__}") from exc
        return [TokenScores(text, tok, p, list(types)) for text, (tok, p) in zip(texts, scored)]

    def token_probabilities(
        self, texts: Sequence[str], types: Mapping[str, str], *, batch_size: int | None = None
    ) -> list[tuple[Any, np.ndarray]]:
        """For each text: (TokenizedText, probs [T, N]) with windows merged."""
        torch = self._torch
        prepared = self.prepare(types)
        n_types = len(prepared.labels)
        toks = [tokenize_text(self.tokenizer, t) for t in texts]
        items = []  # (text index, start, end)
        for ti, tok in enumerate(toks):
            for s, e in window_ranges(len(tok.ids), self.window_tokens, self.window_overlap):
                if e > s:
                    items.append((ti, s, e))
        probs = [np.zeros((len(t.ids), n_types), dtype=np.float32) for t in toks]
        best_centrality = [np.full(len(t.ids), -1.0) for t in toks]
        items.sort(key=lambda it: it[2] - it[1], reverse=True)  # similar lengths pad less
        bs = batch_size or self.batch_size
        for b0 in range(0, len(items), bs):
            batch = items[b0 : b0 + bs]
            suffixes, starts = [], []
            for ti, s, e in batch:
                ids, second = duplicated_suffix(toks[ti].ids[s:e], prepared.pieces)
                suffixes.append(ids)
                starts.append(second)
            hidden = self.backend.suffix_hidden_states(prepared.prefix, suffixes)
            with torch.inference_mode():
                for row, ((ti, s, e), second) in enumerate(zip(batch, starts)):
                    h = hidden[row, second : second + (e - s)]
                    soft, sig = self.heads.logits(h, prepared.projected)
                    p = self.heads.probabilities(soft, sig).numpy()
                    n = len(toks[ti].ids)
                    idx = np.arange(s, e)
                    left = np.where(s > 0, idx - s, np.inf)
                    right = np.where(e < n, e - 1 - idx, np.inf)
                    cent = np.minimum(left, right)
                    take = cent > best_centrality[ti][s:e]
                    probs[ti][s:e][take] = p[take]
                    best_centrality[ti][s:e][take] = cent[take]
        return list(zip(toks, probs))

    def predict(
        self,
        texts: Sequence[str],
        types: Mapping[str, str],
        thresholds: Mapping[str, float] | None = None,
        *,
        nested: bool = False,
        batch_size: int | None = None,
        span_extension: float | Mapping[str, float] = 1.0,
    ) -> list[list[Span]]:
        """`score` then `spans` for each text: model spans at these thresholds."""
        return [s.spans(thresholds or {}, nested=nested, span_extension=span_extension)
                for s in self.score(texts, types, batch_size=batch_size)]
