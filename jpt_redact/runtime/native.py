"""A packed decoder for Llama-family backbones: the duplicated prefill without padding.

The torch backend's fast path on CPU. It computes exactly what the transformers model computes
for `prefix + suffix` (tests hold it to the transformers forward within float error), but for
many suffixes at once in ONE sequence, and it attends to the shared policy prefix once:

    ids        all suffixes of a batch back to back: [L] (no padding anywhere)
    positions  restart at P (the prefix length) for every suffix, as in a per-suffix forward
    attention  queries of every suffix against the prefix K/V: one product per KV head (no
               per-row copy of the prefix); each suffix against itself: causal, per suffix;
               the two softmax parts are merged through their log-sum-exps (flash-decoding)

Only the last layer's rows that are read (the second copies) go through its MLP. Supported:
`model_type` llama and qwen3 (q/k RMSNorm), SiLU MLP, default RoPE, full attention in every
layer; `native_config` says why anything else is not, and the backend then keeps the padded
transformers path. Weights are stored fused (q|k|v, gate|up) so a forward is 4 GEMMs a layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import torch
import torch.nn.functional as F

from .native_config import NATIVE_FORMAT, SUPPORTED_TYPES, NativeConfig, native_config  # noqa: F401  (re-exported)

# (output, logsumexp) of softmax attention; the CPU flash kernel returns both. Without it
# (another device, another torch) the same numbers come from plain matmuls.
_FLASH = getattr(getattr(torch.ops.aten, "_scaled_dot_product_flash_attention_for_cpu", None), "default", None)


def fused_state(state: Mapping[str, torch.Tensor], cfg: NativeConfig) -> dict[str, torch.Tensor]:
    """The decoder's weights from a transformers base-model state dict (cut, LoRA merged)."""
    out = {"embed": state["embed_tokens.weight"], "norm": state["norm.weight"]}
    for i in range(cfg.num_layers):
        p = f"layers.{i}."
        a = p + "self_attn."
        out[f"{i}.qkv"] = torch.cat([state[a + "q_proj.weight"], state[a + "k_proj.weight"], state[a + "v_proj.weight"]])
        out[f"{i}.o"] = state[a + "o_proj.weight"]
        out[f"{i}.gate_up"] = torch.cat([state[p + "mlp.gate_proj.weight"], state[p + "mlp.up_proj.weight"]])
        out[f"{i}.down"] = state[p + "mlp.down_proj.weight"]
        out[f"{i}.ln1"] = state[p + "input_layernorm.weight"]
        out[f"{i}.ln2"] = state[p + "post_attention_layernorm.weight"]
        if cfg.qk_norm:
            out[f"{i}.q_norm"] = state[a + "q_norm.weight"]
            out[f"{i}.k_norm"] = state[a + "k_norm.weight"]
    return {k: v.detach().contiguous() for k, v in out.items()}


def from_transformers(model: Any) -> tuple["NativeDecoder | None", str]:
    """A decoder sharing nothing mutable with a transformers base model, or (None, why not)."""
    cfg, why = native_config(model.config.to_dict())
    if cfg is None:
        return None, why
    norm = type(getattr(model, "norm", None)).__name__
    if not norm.endswith("RMSNorm"):
        return None, f"final norm {norm}"
    state = model.state_dict()
    if not all(f"layers.{i}.input_layernorm.weight" in state for i in range(cfg.num_layers)):
        return None, "layers missing from the state dict"
    device = next(model.parameters()).device
    return NativeDecoder(cfg, fused_state(state, cfg), device=device), ""


@dataclass
class NativeOutput:
    last_hidden_state: torch.Tensor


def _rms(x: torch.Tensor, w: torch.Tensor, eps: float) -> torch.Tensor:
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def _rope_heads_first(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """RoPE of x [n, h, D] written straight into a contiguous [h, n, D] (the attention layout):
    [x1 c - x2 s, x2 c + x1 s], which is transformers' `x * cos + rotate_half(x) * sin`
    term for term (cos and sin repeat over the two halves), without its concatenation."""
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    out = torch.empty((x.shape[1], x.shape[0], x.shape[2]), dtype=x.dtype, device=x.device)
    view = out.transpose(0, 1)
    torch.sub(x1 * cos, x2 * sin, out=view[..., :half])
    torch.add(x2 * cos, x1 * sin, out=view[..., half:])
    return out


def _attend_part(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, scale: float, causal: bool):
    """Softmax attention [1, h, n, d] and its log-sum-exp [1, h, n] (fp32)."""
    if _FLASH is not None and q.device.type == "cpu":
        out, lse = _FLASH(q, k, v, 0.0, causal, scale=scale)[:2]
        return out, lse.float()
    s = (q.float() @ k.float().transpose(-1, -2)) * scale
    if causal:
        n = s.shape[-1]
        s = s.masked_fill(torch.ones(n, n, dtype=torch.bool, device=s.device).triu(1), float("-inf"))
    lse = torch.logsumexp(s, -1)
    return (torch.exp(s - lse[..., None]) @ v.float()).to(q.dtype), lse


class NativeDecoder:
    """Inference-only decoder stack; weights are plain tensors (no autograd, no modules)."""

    def __init__(self, cfg: NativeConfig, weights: Mapping[str, torch.Tensor], *, device: Any = "cpu",
                 dtype: torch.dtype = torch.float32):
        self.config = cfg
        self.dtype = dtype  # of the GEMM weights and attention; norms and the residual stay fp32
        w = {k: v.to(device) for k, v in weights.items()}
        self.embed = w["embed"].float()
        self.norm = w["norm"].float()
        self.layers = []
        for i in range(cfg.num_layers):
            layer = {name: w[f"{i}.{name}"].float() for name in ("ln1", "ln2", "q_norm", "k_norm") if f"{i}.{name}" in w}
            layer.update({name: w[f"{i}.{name}"].to(dtype) for name in ("qkv", "o", "gate_up", "down")})
            self.layers.append(layer)
        self.device = torch.device(device)
        d = cfg.head_dim
        self._inv_freq = 1.0 / (cfg.rope_theta ** (torch.arange(0, d, 2, dtype=torch.float) / d))
        self.scale = d ** -0.5

    # -- transformers-like conveniences -------------------------------------------------------
    def parameters(self):
        yield self.embed

    def __call__(self, input_ids: torch.Tensor, **_: Any) -> NativeOutput:
        """A plain forward of each row (causal, positions from 0), as `model(input_ids=...)`."""
        rows = [self.run(r.to(self.device), torch.arange(len(r)), [(0, len(r))])[0] for r in input_ids]
        return NativeOutput(torch.stack(rows))

    # -- the work ------------------------------------------------------------------------------
    def prefix(self, ids: Sequence[int]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per layer (keys, values) [1, H_kv, P, D] of the prefix, post-RoPE (transformers' layout)."""
        ids_t = torch.tensor(list(ids), dtype=torch.long, device=self.device)
        _, kv = self.run(ids_t, torch.arange(len(ids)), [(0, len(ids))], want_kv=True)
        return [(k[None], v[None]) for k, v in kv]

    def packed(self, prefix_kv: Sequence[tuple[torch.Tensor, torch.Tensor]] | None, suffixes: Sequence[Sequence[int]],
               keep_last: Sequence[int] | None = None) -> list[torch.Tensor]:
        """Hidden states (after the final norm) of each suffix, run as one packed sequence after
        the prefix. keep_last[i]: only the last that many rows of suffix i are computed through
        the last layer's MLP and returned (the second copy); None: all rows."""
        plen = int(prefix_kv[0][0].shape[2]) if prefix_kv else 0
        bounds, start = [], 0
        for s in suffixes:
            bounds.append((start, start + len(s)))
            start += len(s)
        ids = torch.tensor([t for s in suffixes for t in s], dtype=torch.long, device=self.device)
        positions = torch.cat([torch.arange(len(s)) for s in suffixes]) + plen
        keep = None
        if keep_last is not None:
            keep = torch.cat([torch.arange(e - n, e) for (_, e), n in zip(bounds, keep_last)])
        hidden, _ = self.run(ids, positions, bounds, prefix_kv=prefix_kv, keep=keep)
        sizes = [e - s for s, e in bounds] if keep_last is None else list(keep_last)
        return list(hidden.split(sizes))

    def run(self, ids: torch.Tensor, positions: torch.Tensor, bounds: Sequence[tuple[int, int]], *,
            prefix_kv=None, keep: torch.Tensor | None = None, want_kv: bool = False):
        cfg, dt = self.config, self.dtype
        H, Hkv, D, eps = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim, cfg.rms_eps
        freqs = positions.to(self.device)[:, None].float() * self._inv_freq.to(self.device)[None]
        cos, sin = freqs.cos()[:, None], freqs.sin()[:, None]  # [n, 1, D/2]
        x = F.embedding(ids, self.embed)
        kvs = []
        last = len(self.layers) - 1
        for i, w in enumerate(self.layers):
            n = x.shape[0]
            h = _rms(x, w["ln1"], eps)
            qkv = F.linear(h.to(dt), w["qkv"]).float()
            q = qkv[:, : H * D].view(n, H, D)
            k = qkv[:, H * D : (H + Hkv) * D].view(n, Hkv, D)
            v = qkv[:, (H + Hkv) * D :].view(n, Hkv, D)
            if cfg.qk_norm:
                q, k = _rms(q, w["q_norm"], eps), _rms(k, w["k_norm"], eps)
            qh = _rope_heads_first(q, cos, sin).to(dt)  # [H, n, D]
            kh = _rope_heads_first(k, cos, sin).to(dt)
            vh = v.transpose(0, 1).to(dt).contiguous()
            if want_kv:
                kvs.append((kh, vh))
            pkv = prefix_kv[i] if prefix_kv else None
            attn = self._attention(qh, kh, vh, bounds, pkv)  # [H, n, D] fp32
            x = x + F.linear(attn.transpose(0, 1).reshape(n, H * D).to(dt), w["o"]).float()
            if i == last and keep is not None:
                x = x[keep]
            x = x + self._mlp(_rms(x, w["ln2"], eps).to(dt), w)
        return _rms(x, self.norm, eps), kvs

    def _mlp(self, h: torch.Tensor, w) -> torch.Tensor:
        # the intermediate stays in the GEMM dtype between the two products: under bf16 a round
        # trip of the 2 x 1536-wide activations through fp32 cost more than the rounding it avoided
        # (benchmarks/mlp_recipe.py; quality: benchmarks/precision_gate.py)
        gate, up = F.linear(h, w["gate_up"]).chunk(2, -1)
        return F.linear(F.silu(gate) * up, w["down"]).float()

    def _attention(self, q, k, v, bounds, prefix):
        H, n, D = q.shape
        Hkv = k.shape[0]
        g = H // Hkv
        o_self = torch.empty((H, n, D), dtype=torch.float32, device=q.device)
        lse_self = torch.empty((H, n), dtype=torch.float32, device=q.device)
        qg_all = q.view(Hkv, g, n, D)
        for s, e in bounds:  # each suffix against itself, causal
            # the g query heads of a KV head as "heads" of a batch row, the KV head broadcast
            # to them (stride 0): grouped-query attention without copying keys or values
            ks = k[:, None, s:e].expand(Hkv, g, e - s, D)
            vs = v[:, None, s:e].expand(Hkv, g, e - s, D)
            o, lse = _attend_part(qg_all[:, :, s:e], ks, vs, self.scale, True)
            o_self[:, s:e] = o.reshape(H, e - s, D)
            lse_self[:, s:e] = lse.reshape(H, e - s)
        if prefix is None:
            return o_self
        kp, vp = prefix
        # every query of the pack against the shared prefix: the g query heads of a KV head
        # become rows of one product with that head's keys (heads h = kv * g + j)
        qg = q.reshape(1, Hkv, g * n, D)
        o_p, lse_p = _attend_part(qg, kp.to(q.dtype), vp.to(q.dtype), self.scale, False)
        o_p, lse_p = o_p.reshape(H, n, D).float(), lse_p.reshape(H, n)
        m = torch.maximum(lse_p, lse_self)
        wp, ws = torch.exp(lse_p - m)[..., None], torch.exp(lse_self - m)[..., None]
        return (o_p * wp + o_self * ws) / (wp + ws)
