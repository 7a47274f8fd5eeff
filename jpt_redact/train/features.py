"""Run the frozen backbone once over training groups and store second-copy hidden states.

Training the heads then never touches the backbone again: an epoch over the cached
features takes seconds instead of an hour on a 2-core CPU. Hidden states of several
layers are stored from the same forward pass, so the layer the shipped model reads can be
chosen by measurement (cutting the backbone at a lower layer makes inference cheaper).
Shards are written atomically and skipped on resume.
"""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..model.prompt import build_prompt, duplicated_suffix, tokenize_text
from .groups import Group

log = logging.getLogger(__name__)


def token_labels(text: str, offsets: Sequence[tuple[int, int]], spans, label_index: dict[str, int]) -> np.ndarray:
    """0 = O, else 1 + index of the span's label. A token belongs to a span if any of its
    non-space characters lies inside it (byte-level tokens carry their leading space)."""
    y = np.zeros(len(offsets), dtype=np.int16)
    for i, (s, e) in enumerate(offsets):
        while s < e and text[s].isspace():
            s += 1
        if s >= e:
            continue
        for ss, se, lab in spans:
            if s < se and ss < e:
                y[i] = 1 + label_index[lab]
                break
    return y


class LayerTap:
    """Captures the outputs of chosen decoder layers during a forward pass."""

    def __init__(self, model: Any, layers: Sequence[int]):
        self.model, self.layers, self.out = model, list(layers), {}
        self._handles = [
            model.layers[k - 1].register_forward_hook(self._hook(k)) for k in self.layers
        ]

    def _hook(self, k: int):
        def fn(_module, _inp, output):
            self.out[k] = output[0] if isinstance(output, tuple) else output
        return fn

    def normed(self, k: int):
        # the engine reads norm(output of layer k) when the backbone is cut at layer k
        return self.model.norm(self.out[k])

    def close(self) -> None:
        for h in self._handles:
            h.remove()


def extract_groups(
    backend: Any,
    tokenizer: Any,
    groups: Sequence[Group],
    layers: Sequence[int],
    out_dir: str | os.PathLike,
    *,
    groups_per_shard: int = 50,
    max_tokens: int = 192,
    batch_size: int = 8,
    budget_seconds: float | None = None,
) -> list[Path]:
    import torch

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tap = LayerTap(backend.model, layers)
    shards = []
    t0, n_tok = time.time(), 0
    try:
        for shard_no, g0 in enumerate(range(0, len(groups), groups_per_shard)):
            path = out_dir / f"shard-{shard_no:05d}.pt"
            if path.exists():
                shards.append(path)
                continue
            if budget_seconds is not None and time.time() - t0 > budget_seconds:
                log.info("features: time budget reached after %d shards", len(shards))
                break
            shards.append(path)
            records = []
            for group in groups[g0 : g0 + groups_per_shard]:
                labels = list(group.types)
                index = {lab: i for i, lab in enumerate(labels)}
                pieces = build_prompt(tokenizer, group.types)
                prefix = backend.prepare_prefix(pieces.prefix_ids)
                feats: dict[int, list] = {k: [] for k in layers}
                ys = []
                for b0 in range(0, len(group.examples), batch_size):
                    batch = group.examples[b0 : b0 + batch_size]
                    suffixes, seconds, lens = [], [], []
                    for ex in batch:
                        tok = tokenize_text(tokenizer, ex.text)
                        ids, offs = tok.ids[:max_tokens], tok.offsets[:max_tokens]
                        suf, second = duplicated_suffix(ids, pieces)
                        suffixes.append(suf)
                        seconds.append(second)
                        lens.append(len(ids))
                        ys.append(token_labels(ex.text, offs, ex.spans, index))
                    if not any(lens):
                        continue
                    tap.out.clear()
                    backend.suffix_hidden_states(prefix, suffixes)
                    with torch.inference_mode():
                        for k in layers:
                            h = tap.normed(k)
                            for row, (second, n) in enumerate(zip(seconds, lens)):
                                feats[k].append(h[row, second : second + n].to(torch.float16).cpu())
                    n_tok += sum(len(s) for s in suffixes)
                records.append({
                    "source": group.source,
                    "labels": labels,
                    "definitions": [group.types[lab] for lab in labels],
                    "y": torch.from_numpy(np.concatenate(ys)) if ys else torch.zeros(0, dtype=torch.int16),
                    "feats": {k: torch.cat(v) if v else torch.zeros(0, backend.hidden_size, dtype=torch.float16)
                              for k, v in feats.items()},
                })
            tmp = path.with_suffix(".tmp")
            torch.save(records, tmp)
            os.replace(tmp, path)
            rate = n_tok / max(1e-9, time.time() - t0)
            log.info("features: shard %d written (%d groups done of %d; %.0f tokens/s)",
                     shard_no, min(g0 + groups_per_shard, len(groups)), len(groups), rate)
    finally:
        tap.close()
    return shards
