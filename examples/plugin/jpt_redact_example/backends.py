"""`toy-hash`: a backend with no model at all, to show the backend contract end to end.

Its "hidden states" are pseudo-random vectors seeded by each token and the token before it,
so they carry no meaning and a checkpoint's heads find nothing in them. It is fast and
deterministic, which is what a plugin's own CI needs; a real backend runs the checkpoint's
backbone (spec.backbone, cut at spec.layer, with the checkpoint's LoRA merged:
jpt_redact.model.lora.merge_lora) on some hardware.
"""
from __future__ import annotations

import re
import zlib
from typing import Any, Sequence

import numpy as np

from jpt_redact.model.checkpoint import load_checkpoint_config

_PIECE = re.compile(r"\w+|[^\w\s]|\s+")
VOCAB = 50_000


class WordTokenizer:
    """Words, punctuation and whitespace runs, with character offsets (what the engine reads)."""

    chat_template = None  # the engine then renders its prompt as a plain transcript
    bos_token_id = None

    def __call__(self, text: str, add_special_tokens: bool = False, return_offsets_mapping: bool = False):
        spans = [m.span() for m in _PIECE.finditer(text)]
        out: dict[str, Any] = {"input_ids": [zlib.crc32(text[s:e].encode("utf-8")) % VOCAB for s, e in spans]}
        if return_offsets_mapping:
            out["offset_mapping"] = spans
        return out


class ToyHashBackend:
    name = "toy-hash"
    calls = 0  # suffix batches run, by every instance (tests read it)

    def __init__(self, hidden_size: int, seed: int = 0):
        self.hidden_size = hidden_size
        self.seed = seed
        self.tokenizer = WordTokenizer()

    # -- what the registry asks of a backend class ---------------------------------------------
    @classmethod
    def availability(cls, spec: Any) -> tuple[bool, str]:
        return True, "no model needed"

    @classmethod
    def create(cls, spec: Any) -> "ToyHashBackend":
        # the heads of the checkpoint read vectors of its backbone's width
        _, cfg = load_checkpoint_config(spec.checkpoint_dir)
        return cls(cfg.d_llm, seed=int(spec.options.get("seed", 0)))

    # -- the Backend protocol (jpt_redact/runtime/base.py) ---------------------------------------
    def prepare_prefix(self, prefix_ids: Sequence[int]) -> tuple[int, ...]:
        return tuple(prefix_ids)

    def suffix_hidden_states(self, prefix: tuple[int, ...], suffixes: Sequence[Sequence[int]]):
        import torch

        type(self).calls += 1
        out = np.zeros((len(suffixes), max(len(s) for s in suffixes), self.hidden_size), dtype=np.float32)
        for row, ids in enumerate(suffixes):
            before = prefix[-1] if prefix else 0
            for i, token in enumerate(ids):
                rng = np.random.default_rng([self.seed, before, token])
                out[row, i] = rng.standard_normal(self.hidden_size)
                before = token
        return torch.from_numpy(out)
