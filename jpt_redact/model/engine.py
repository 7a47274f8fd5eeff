"""The JPT engine: policy types in, character spans out.

    engine = load_engine(policy.model)
    spans = engine.predict(texts, policy.model_types(), thresholds)

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

from ..errors import DetectionError, ModelError
from ..findings import Span
from .decode import decode_spans
from .prompt import PromptPieces, build_prompt, duplicated_suffix, tokenize_text


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
        if not types:
            return [[] for _ in texts]
        try:
            scored = self.token_probabilities(texts, types, batch_size=batch_size)
        except Exception as exc:
            # the message names the failure, never the text
            raise DetectionError(f"model inference failed: {type(exc).__name__}") from exc
        labels = list(types)
        thr = [float((thresholds or {}).get(label, 0.5)) for label in labels]
        if isinstance(span_extension, Mapping):
            grow: float | list[float] = [float(span_extension.get(label, 1.0)) for label in labels]
        else:
            grow = float(span_extension)
        return [
            decode_spans(text, tok.offsets, p, labels, thr, nested=nested, grow=grow)
            for text, (tok, p) in zip(texts, scored)
        ]


_ENGINES: dict[tuple, JPTEngine] = {}
_ENGINES_LOCK = threading.Lock()


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
    """Load a checkpoint with its backbone, encoder and a runtime backend."""
    import torch

    from ..runtime.select import BackendSpec, create_backend
    from .backbone import resolve_backbone_path
    from .checkpoint import check_backbone, load_checkpoint_config, load_heads_state
    from .encoder import DefinitionEncoder
    from .heads import JPTHeads
    from .paths import weights_fingerprint

    ckpt_dir, cfg = load_checkpoint_config(checkpoint)
    bb_path = resolve_backbone_path(backbone)
    check_backbone(cfg, weights_fingerprint(bb_path), str(bb_path))
    spec = BackendSpec(backbone=str(bb_path), layer=cfg.layer, checkpoint_dir=ckpt_dir, device=device,
                       use_prefix_cache=use_prefix_cache, options=dict(backend_options or {}))
    runtime, selection = create_backend(backend, spec)
    enc = DefinitionEncoder(encoder)
    if enc.encoder_id != cfg.encoder_id and encoder is None:
        raise ModelError(f"checkpoint expects definition encoder {cfg.encoder_id}, got {enc.encoder_id}")
    heads = JPTHeads(cfg.d_llm, cfg.d_enc, cfg.d_hidden, cfg.d_proj)
    try:
        heads.load_state_dict(load_heads_state(ckpt_dir))
    except RuntimeError as exc:
        raise ModelError(f"checkpoint heads do not match its config: {exc}") from None
    return JPTEngine(
        backend=runtime, tokenizer=runtime.tokenizer, heads=heads, encoder=enc, o_definition=cfg.o_definition,
        model_id=cfg.model_id, backend_name=selection.name, selection_reason=selection.reason,
        window_tokens=window_tokens, window_overlap=window_overlap, batch_size=batch_size,
    )


def load_engine(settings: Any = None) -> JPTEngine:
    """Engine for a policy's ModelSettings, loaded once per process and shared."""
    from ..policy import ModelSettings

    settings = settings or ModelSettings()
    key = (settings.checkpoint, settings.backbone, settings.encoder, settings.backend,
           settings.window_tokens, settings.window_overlap, settings.batch_size)
    with _ENGINES_LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            engine = build_engine(
                settings.checkpoint, backbone=settings.backbone, encoder=settings.encoder, backend=settings.backend,
                window_tokens=settings.window_tokens, window_overlap=settings.window_overlap,
                batch_size=settings.batch_size,
            )
            _ENGINES[key] = engine
        return engine
