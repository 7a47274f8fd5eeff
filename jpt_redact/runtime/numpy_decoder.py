"""The packed decoder in numpy: the duplicated prefill of runtime/native.py without torch.

A warm `echo text | jpt-redact -` spends more time importing torch (~2 s) than reading one
sentence twice. This decoder computes the same function as the torch packed decoder (fp32,
held to it within float error by tests/test_numpy_decoder.py) from the same converted store
entry (runtime/native_store.py: fused fp32 weights, memory-mapped), so a small job can run
with numpy's BLAS alone:

    positions  restart at P (the prefix length) for every suffix
    attention  every query against the shared prefix K/V (one product per KV head) and each
               suffix against itself (causal), merged through their log-sum-exps
    last layer only the rows that are read (the second copies) go through its MLP

fp32 only: numpy has no bf16 GEMM. It is the reference precision, so its spans are the ones
the bf16 gate (benchmarks/precision_gate.py) compares against.
"""
from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from .native_config import NativeConfig

# Query rows per attention block against the prefix: bounds the [heads, rows, prefix] scores
# (~40 MB at 512 rows, 9 heads and a 2,000-token prefix) whatever the batch.
QUERY_BLOCK = 512

PrefixKV = list[tuple[np.ndarray, np.ndarray]]  # per layer (keys, values) [H_kv, P, D], post-RoPE


def mapped_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The F32 tensors of a safetensors file as read-only memory maps. safetensors' own numpy
    loader copies every tensor (0.35 s for the default model, most of it embedding rows a
    short text never reads); its file format is an 8-byte header length, a JSON header of
    {name: {dtype, shape, data_offsets}} and the data."""
    with open(path, "rb") as fh:
        (length,) = struct.unpack("<Q", fh.read(8))
        if length > 100_000_000:
            raise ValueError("safetensors header too large")
        header = json.loads(fh.read(length))
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: dtype {info['dtype']} (the store holds F32)")
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        if end - begin != 4 * int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{name}: data size does not match its shape")
        out[name] = raw[begin:end].view(np.float32).reshape(shape)
    return out


def _rms(x: np.ndarray, w: np.ndarray, eps: float) -> np.ndarray:
    return w * (x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps))


def _silu(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.exp(-x))


def _rope(x: np.ndarray, cos: np.ndarray, sin: np.ndarray) -> np.ndarray:
    """x [n, h, D] -> [h, n, D] rotated: transformers' `x * cos + rotate_half(x) * sin`."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    out = np.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1)
    return np.ascontiguousarray(out.transpose(1, 0, 2))


def _softmax_part(scores: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(softmax(scores) @ values, logsumexp(scores)), overwriting `scores`: in place, no
    temporary the size of the [rows × prefix] scores is made for the exponentials."""
    m = scores.max(-1, keepdims=True)
    np.subtract(scores, m, out=scores)
    np.exp(scores, out=scores)
    total = scores.sum(-1, keepdims=True)
    out = scores @ values
    out /= total
    return out, (m + np.log(total))[..., 0]


class NumpyDecoder:
    """Inference-only decoder stack over numpy arrays (weights read-only, shared by threads)."""

    def __init__(self, cfg: NativeConfig, weights: Mapping[str, np.ndarray]):
        self.config = cfg
        self.embed = weights["embed"]
        self.norm = weights["norm"]
        self.layers = [{name: weights[f"{i}.{name}"] for name in
                        ("ln1", "ln2", "q_norm", "k_norm", "qkv", "o", "gate_up", "down") if f"{i}.{name}" in weights}
                       for i in range(cfg.num_layers)]
        d = cfg.head_dim
        self._inv_freq = (1.0 / (cfg.rope_theta ** (np.arange(0, d, 2, dtype=np.float32) / d))).astype(np.float32)
        self.scale = np.float32(d ** -0.5)

    @classmethod
    def from_store(cls, directory: Path) -> "NumpyDecoder":
        """The decoder of a converted store entry (fused fp32 weights, memory-mapped)."""
        cfg = NativeConfig.from_dict(json.loads((directory / "config.json").read_text()))
        return cls(cfg, mapped_safetensors(directory / "weights.safetensors"))

    @property
    def hidden_size(self) -> int:
        return self.config.hidden_size

    def prefix(self, ids: Sequence[int]) -> PrefixKV:
        _, kv = self.run(np.asarray(list(ids), dtype=np.int64), np.arange(len(ids)), [(0, len(ids))], want_kv=True)
        return kv

    def packed(self, prefix_kv: PrefixKV | None, suffixes: Sequence[Sequence[int]],
               keep_last: Sequence[int] | None = None) -> list[np.ndarray]:
        """Hidden states (after the final norm) of each suffix run as one packed sequence after
        the prefix; keep_last[i]: only the last that many rows of suffix i (its second copy)."""
        plen = int(prefix_kv[0][0].shape[1]) if prefix_kv else 0
        bounds, start = [], 0
        for s in suffixes:
            bounds.append((start, start + len(s)))
            start += len(s)
        ids = np.asarray([t for s in suffixes for t in s], dtype=np.int64)
        positions = np.concatenate([np.arange(len(s)) for s in suffixes]) + plen
        keep = None
        if keep_last is not None:
            keep = np.concatenate([np.arange(e - n, e) for (_, e), n in zip(bounds, keep_last)])
        hidden, _ = self.run(ids, positions, bounds, prefix_kv=prefix_kv, keep=keep)
        sizes = [e - s for s, e in bounds] if keep_last is None else list(keep_last)
        return np.split(hidden, np.cumsum(sizes)[:-1])

    def run(self, ids: np.ndarray, positions: np.ndarray, bounds: Sequence[tuple[int, int]], *,
            prefix_kv: PrefixKV | None = None, keep: np.ndarray | None = None, want_kv: bool = False):
        cfg = self.config
        H, Hkv, D, eps = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim, cfg.rms_eps
        freqs = positions.astype(np.float32)[:, None] * self._inv_freq[None]
        cos, sin = np.cos(freqs)[:, None], np.sin(freqs)[:, None]  # [n, 1, D/2]
        x = self.embed[ids].astype(np.float32)
        kvs: PrefixKV = []
        last = len(self.layers) - 1
        for i, w in enumerate(self.layers):
            n = x.shape[0]
            qkv = _rms(x, w["ln1"], eps) @ w["qkv"].T
            q = qkv[:, : H * D].reshape(n, H, D)
            k = qkv[:, H * D : (H + Hkv) * D].reshape(n, Hkv, D)
            v = qkv[:, (H + Hkv) * D :].reshape(n, Hkv, D)
            if cfg.qk_norm:
                q, k = _rms(q, w["q_norm"], eps), _rms(k, w["k_norm"], eps)
            qh, kh = _rope(q, cos, sin), _rope(k, cos, sin)  # [H, n, D], [Hkv, n, D]
            vh = np.ascontiguousarray(v.transpose(1, 0, 2))
            if want_kv:
                kvs.append((kh, vh))
            attn = self._attention(qh, kh, vh, bounds, prefix_kv[i] if prefix_kv else None)
            x = x + attn.transpose(1, 0, 2).reshape(n, H * D) @ w["o"].T
            if i == last and keep is not None:
                x = x[keep]
            gate, up = np.split(_rms(x, w["ln2"], eps) @ w["gate_up"].T, 2, axis=-1)
            x = x + (_silu(gate) * up) @ w["down"].T
        return _rms(x, self.norm, eps), kvs

    def _attention(self, q: np.ndarray, k: np.ndarray, v: np.ndarray, bounds: Sequence[tuple[int, int]],
                   prefix: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
        H, n, D = q.shape
        Hkv = k.shape[0]
        g = H // Hkv
        out = np.empty((Hkv, g, n, D), dtype=np.float32)
        # heads h = kv * g + j, as the torch decoder; the g query heads of a KV head become
        # rows of one 2-D product with that head's keys (numpy's stacked matmul is slower)
        for h in range(Hkv):
            qh = q[h * g : (h + 1) * g] * self.scale  # [g, n, D], scaled once instead of every score
            o_self = np.empty((g, n, D), dtype=np.float32)
            lse_self = np.empty((g, n), dtype=np.float32)
            for s, e in bounds:  # each suffix against itself, causal
                rows = qh[:, s:e].reshape(g * (e - s), D)
                scores = (rows @ k[h, s:e].T).reshape(g, e - s, e - s)
                scores[:, np.triu(np.ones((e - s, e - s), dtype=bool), 1)] = -np.inf
                o, lse = _softmax_part(scores.reshape(g * (e - s), e - s), v[h, s:e])
                o_self[:, s:e], lse_self[:, s:e] = o.reshape(g, e - s, D), lse.reshape(g, e - s)
            if prefix is None:
                out[h] = o_self
                continue
            kp, vp = prefix[0][h], prefix[1][h]  # [P, D]
            for r0 in range(0, n, QUERY_BLOCK):  # every query against the shared prefix, in blocks
                r1 = min(n, r0 + QUERY_BLOCK)
                rows = qh[:, r0:r1].reshape(g * (r1 - r0), D)
                o_p, lse_p = _softmax_part(rows @ kp.T, vp)
                o_p, lse_p = o_p.reshape(g, r1 - r0, D), lse_p.reshape(g, r1 - r0)
                ls = lse_self[:, r0:r1]
                m = np.maximum(lse_p, ls)
                wp, ws = np.exp(lse_p - m)[..., None], np.exp(ls - m)[..., None]
                out[h, :, r0:r1] = (o_p * wp + o_self[:, r0:r1] * ws) / (wp + ws)
        return out.reshape(H, n, D)
