"""The backend protocol: the duplicated prefill, and nothing else.

A backend takes the policy prefix (token ids, computed once per policy and cached as
key/value states where the backend supports it) and a batch of suffixes (text, bridge,
text) and returns the hidden states of the suffix tokens. Prompt building, heads and span
decoding are the same whatever the backend.
"""
from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable


@runtime_checkable
class Backend(Protocol):
    name: str
    hidden_size: int

    def prepare_prefix(self, prefix_ids: Sequence[int]) -> Any:
        """Compute what can be reused for every text under one policy (e.g. KV states)."""

    def suffix_hidden_states(self, prefix: Any, suffixes: Sequence[Sequence[int]]) -> "Any":
        """Hidden states [B, max_len, hidden] (torch.float32, CPU) for right-padded suffixes."""
