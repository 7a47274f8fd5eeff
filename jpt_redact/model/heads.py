"""Projection MLPs and the two bilinear heads of Appendix A.2."""
from __future__ import annotations

import torch
from torch import nn

from .checkpoint import O_DEFINITION  # noqa: F401  (training imports it from here)


def projection_mlp(d_in: int, d_hidden: int, d_out: int, dropout: float = 0.0) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(d_in, d_hidden), nn.LayerNorm(d_hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(d_hidden, d_out)
    )


class Bilinear(nn.Module):
    """s_ij = t_i^T W p_j + b(p_j). The bias is a function of the type's embedding so that
    types never seen in training still get a sensible bias (the paper's b_j is per type)."""

    def __init__(self, d: int):
        super().__init__()
        self.weight = nn.Parameter(torch.eye(d) / d**0.5)
        self.bias = nn.Linear(d, 1)

    def forward(self, tokens: torch.Tensor, types: torch.Tensor) -> torch.Tensor:
        # tokens [..., T, d], types [N, d] -> scores [..., T, N]
        return tokens @ self.weight @ types.T + self.bias(types).squeeze(-1)


class JPTHeads(nn.Module):
    def __init__(self, d_llm: int, d_enc: int, d_hidden: int = 1024, d_proj: int = 256, dropout: float = 0.1):
        super().__init__()
        self.token_mlp = projection_mlp(d_llm, d_hidden, d_proj, dropout)
        self.entity_mlp = projection_mlp(d_enc, d_hidden, d_proj, dropout)
        self.softmax_head = Bilinear(d_proj)
        self.sigmoid_head = Bilinear(d_proj)

    def project_types(self, type_embeddings: torch.Tensor, o_embedding: torch.Tensor) -> torch.Tensor:
        """[N, d_enc] + [d_enc] -> [N+1, d_proj] with O first."""
        return self.entity_mlp(torch.cat([o_embedding[None], type_embeddings], 0))

    def logits(self, hidden: torch.Tensor, projected_types: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Softmax logits over [O, types] and sigmoid logits over types."""
        t = self.token_mlp(hidden)
        soft = self.softmax_head(t, projected_types)
        sig = self.sigmoid_head(t, projected_types[1:])
        return soft, sig

    # -- the engine's two calls (model/heads_numpy.py has the same): numpy in, numpy out ------
    def project_definitions(self, embeddings) -> torch.Tensor:
        """Definition embeddings [N+1, d_enc] (numpy), O first -> projected types [N+1, d_proj]."""
        with torch.inference_mode():
            t = torch.from_numpy(embeddings)
            return self.project_types(t[1:], t[0])

    def type_probabilities(self, states, projected_types: torch.Tensor):
        """Per-token, per-type probability [T, N] (numpy) for the hidden states of a batch."""
        with torch.inference_mode():
            soft, sig = self.logits(torch.cat([torch.as_tensor(s) for s in states]), projected_types)
            return self.probabilities(soft, sig).numpy()

    @staticmethod
    def probabilities(soft: torch.Tensor, sig: torch.Tensor) -> torch.Tensor:
        """Per-type probability: the mean of the softmax and sigmoid heads (A.2). [..., N]"""
        return 0.5 * (soft.softmax(-1)[..., 1:] + sig.sigmoid())
