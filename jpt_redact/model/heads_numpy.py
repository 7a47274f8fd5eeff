"""The JPT heads (model/heads.py) evaluated with numpy, for engines that never import torch.

Same checkpoint file (heads.safetensors), same function: projection MLPs (Linear, LayerNorm,
exact GELU, Linear), the softmax and sigmoid bilinear heads, and their mean (Appendix A.2).
tests/test_heads_numpy.py holds it to the torch module within float error.
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from ..errors import ModelError

LAYER_NORM_EPS = 1e-5  # torch.nn.LayerNorm's default, which projection_mlp uses


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and scipy's import
    costs more than the whole head evaluation of a short text."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


class _MLP:
    def __init__(self, state: Mapping[str, np.ndarray], prefix: str):
        self.w1, self.b1 = state[f"{prefix}.0.weight"], state[f"{prefix}.0.bias"]
        self.ln_w, self.ln_b = state[f"{prefix}.1.weight"], state[f"{prefix}.1.bias"]
        self.w2, self.b2 = state[f"{prefix}.4.weight"], state[f"{prefix}.4.bias"]

    def __call__(self, x: np.ndarray) -> np.ndarray:
        h = x @ self.w1.T + self.b1
        mu = h.mean(-1, keepdims=True)
        var = ((h - mu) ** 2).mean(-1, keepdims=True)
        h = (h - mu) / np.sqrt(var + LAYER_NORM_EPS) * self.ln_w + self.ln_b
        return (_gelu(h).astype(np.float32) @ self.w2.T + self.b2).astype(np.float32)


class _Bilinear:
    def __init__(self, state: Mapping[str, np.ndarray], prefix: str):
        self.weight = state[f"{prefix}.weight"]
        self.bias_w, self.bias_b = state[f"{prefix}.bias.weight"], state[f"{prefix}.bias.bias"]

    def __call__(self, tokens: np.ndarray, types: np.ndarray) -> np.ndarray:
        return tokens @ self.weight @ types.T + (types @ self.bias_w.T + self.bias_b)[:, 0]


class NumpyHeads:
    """The heads of a checkpoint, with the engine's two calls (as JPTHeads has them)."""

    def __init__(self, state: Mapping[str, np.ndarray]):
        try:
            self.token_mlp = _MLP(state, "token_mlp")
            self.entity_mlp = _MLP(state, "entity_mlp")
            self.softmax_head = _Bilinear(state, "softmax_head")
            self.sigmoid_head = _Bilinear(state, "sigmoid_head")
        except KeyError as exc:
            raise ModelError(f"checkpoint heads lack {exc.args[0]}") from None

    @classmethod
    def from_checkpoint(cls, directory: Path) -> "NumpyHeads":
        from safetensors.numpy import load_file

        f = directory / "heads.safetensors"
        if not f.is_file():
            raise ModelError(f"checkpoint has no heads.safetensors: {directory}")
        return cls({k: np.asarray(v, dtype=np.float32) for k, v in load_file(str(f)).items()})

    def project_definitions(self, embeddings: np.ndarray) -> np.ndarray:
        """Definition embeddings [N+1, d_enc], O first -> projected types [N+1, d_proj]."""
        return self.entity_mlp(np.asarray(embeddings, dtype=np.float32))

    def type_probabilities(self, states: Sequence[np.ndarray], projected: np.ndarray) -> np.ndarray:
        """Per-token, per-type probability [T, N] for the hidden states of a batch."""
        t = self.token_mlp(np.concatenate([np.asarray(s, dtype=np.float32) for s in states]))
        soft = self.softmax_head(t, projected)
        sig = self.sigmoid_head(t, projected[1:])
        soft = np.exp(soft - soft.max(-1, keepdims=True))
        soft /= soft.sum(-1, keepdims=True)
        return (0.5 * (soft[:, 1:] + 1.0 / (1.0 + np.exp(-sig)))).astype(np.float32)
