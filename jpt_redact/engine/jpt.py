"""The JPT engine: policy types in, per-token type probabilities out, spans on demand.

    engine = load_engine(policy.model)                       # engine/loader.py
    scores = engine.score(texts, policy.model_types())       # the model runs once
    spans = scores[0].spans(thresholds)                      # decoding, repeatable
    spans = engine.predict(texts, policy.model_types(), thresholds)   # both in one call

Per policy (type set) the engine computes once: the prompt prefix and its KV states (kept on
disk by engine/prefix_store.py when the backend names a prefix identity), the definition
embeddings and their projections. Per call it tokenizes each text, cuts long texts into
overlapping windows, runs windows in batches through the backend — packed into one sequence
without padding when the backend offers `packed_hidden_states` — scores second-copy tokens
with the heads and decodes spans. A loaded engine is safe to share between threads.
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
from ..model.definition_forms import embedding_text
from ..model.prompt import PromptPieces, TokenizedText, build_prompt, duplicated_suffix, tokenize_text, type_key
from . import prefix_store
from .base import DEFAULT_THRESHOLD

# Suffix tokens per packed forward pass at most: large enough for GEMMs to run at full speed
# (docs/benchmarks.md#speed), small enough to keep activations in tens of MB.
PACK_TOKENS = 4096
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
    projected: Any  # [N+1, d_proj], O first: the heads' own array type (torch or numpy)


class JPTEngine:
    def __init__(
        self,
        *,
        backend: Any,
        tokenizer: Any,
        heads: Any,
        encoder: Any,
        o_definition: str,
        embed_form: str = "as_written",
        model_id: str,
        backend_name: str | None = None,
        selection_reason: str = "",
        window_tokens: int = 256,
        window_overlap: int = 32,
        batch_size: int = 8,
        pack_tokens: int = PACK_TOKENS,
        prefix_store: bool = True,
    ):
        self.backend = backend
        self.tokenizer = tokenizer
        self.heads = heads.eval() if hasattr(heads, "eval") else heads
        self.encoder = encoder
        self.o_definition = o_definition
        self.embed_form = embed_form
        self.model_id = model_id
        self.backend_name = backend_name or getattr(backend, "name", "?")
        self.selection_reason = selection_reason
        self.window_tokens = window_tokens
        self.window_overlap = window_overlap
        self.batch_size = batch_size
        self.pack_tokens = pack_tokens
        self.prefix_store = prefix_store
        self._prepared: dict[str, PreparedTypes] = {}
        self._lock = threading.Lock()

    # -- per policy ---------------------------------------------------------------------
    def prepare(self, types: Mapping[str, str]) -> PreparedTypes:
        key = hashlib.sha256(json.dumps(type_key(types)).encode()).hexdigest()
        with self._lock:
            hit = self._prepared.get(key)
            if hit is not None:
                return hit
            labels = tuple(types)
            emb = self.encoder.encode([self.o_definition] + [embedding_text(str(types[label]), self.embed_form)
                                                             for label in labels])
            projected = self.heads.project_definitions(emb)
            pieces, prefix = self._prefix(types)
            prepared = PreparedTypes(labels, pieces, prefix, projected)
            if len(self._prepared) > 32:  # policies are few; bound the memory anyway
                self._prepared.pop(next(iter(self._prepared)))
            self._prepared[key] = prepared
            return prepared

    def _prefix(self, types: Mapping[str, str]) -> tuple[PromptPieces, Any]:
        """Prompt pieces and the backend's prefix state: from the on-disk store when the
        backend takes part (`prefix_identity`), else (and on a miss, then stored) computed."""
        identity = getattr(self.backend, "prefix_identity", None) if self.prefix_store else None
        if identity and getattr(self.backend, "use_prefix_cache", True):
            hit = prefix_store.load(self.backend, identity, types)
            if hit is not None:
                return hit
        pieces = self._pieces(types)
        prefix = self.backend.prepare_prefix(pieces.prefix_ids)
        if identity and getattr(self.backend, "use_prefix_cache", True):
            tensors = self.backend.prefix_tensors(prefix)
            if tensors:
                prefix_store.save(identity, types, pieces, tensors)
        return pieces, prefix

    def _pieces(self, types: Mapping[str, str]) -> PromptPieces:
        """The prompt rendered and tokenized, or the pieces a run on this backbone stored."""
        sha = getattr(self.backend, "weights_sha256", None) if self.prefix_store else None
        if sha:
            hit = prefix_store.load_pieces(sha, types)
            if hit is not None:
                return hit
        pieces = build_prompt(self.tokenizer, types)
        if sha:
            prefix_store.save_pieces(sha, types, pieces)
        return pieces

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
        packing = bool(getattr(self.backend, "supports_packing", False))
        for batch in self._batches(items, bs, packing, len(prepared.pieces.bridge_ids)):
            suffixes = [duplicated_suffix(toks[ti].ids[s:e], prepared.pieces)[0] for ti, s, e in batch]
            lengths = [e - s for _, s, e in batch]
            if packing:  # one sequence, no padding; only the second copies come back
                states = self.backend.packed_hidden_states(prepared.prefix, suffixes, keep_last=lengths)
            else:
                hidden = self.backend.suffix_hidden_states(prepared.prefix, suffixes)
                states = [hidden[row, len(suf) - n : len(suf)] for row, (suf, n) in enumerate(zip(suffixes, lengths))]
            p_all = self.heads.type_probabilities(states, prepared.projected)  # once for the batch
            offsets = np.cumsum([0] + lengths)
            for row, (ti, s, e) in enumerate(batch):
                p = p_all[offsets[row] : offsets[row + 1]]
                n = len(toks[ti].ids)
                idx = np.arange(s, e)
                left = np.where(s > 0, idx - s, np.inf)
                right = np.where(e < n, e - 1 - idx, np.inf)
                cent = np.minimum(left, right)
                take = cent > best_centrality[ti][s:e]
                probs[ti][s:e][take] = p[take]
                best_centrality[ti][s:e][take] = cent[take]
        return list(zip(toks, probs))

    def _batches(self, items: list[tuple[int, int, int]], bs: int, packing: bool, bridge: int):
        """Windows per forward pass: `bs` of them; packed, also at most `pack_tokens` suffix
        tokens (a window alone may exceed it), which bounds the per-pass activations."""
        if not packing:
            for b0 in range(0, len(items), bs):
                yield items[b0 : b0 + bs]
            return
        batch: list[tuple[int, int, int]] = []
        tokens = 0
        for it in items:
            n = 2 * (it[2] - it[1]) + bridge
            if batch and (len(batch) >= bs or tokens + n > self.pack_tokens):
                yield batch
                batch, tokens = [], 0
            batch.append(it)
            tokens += n
        if batch:
            yield batch

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
