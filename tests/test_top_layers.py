"""The cached LoRA path (frozen lower layers once, top K layers per step) equals a full forward."""
from __future__ import annotations

import pytest
import torch

from engine_fixtures import TYPES, make_backbone, make_tokenizer
from jpt_redact.model.prompt import build_prompt, duplicated_suffix, tokenize_text
from jpt_redact.train.adapters import ATTENTION, MLP, add_lora, lora_parameters
from jpt_redact.train.hidden_cache import BottomPass, bottom_model
from jpt_redact.train.top_layers import TopLayers

LAYERS, FIRST = 4, 2
TEXTS = ["Please call John Smith tomorrow.", "Alice Jones, Paris"]


def _setup(kind: str):
    tok = make_tokenizer()
    backbone = make_backbone(kind, layers=LAYERS, tokenizer=tok)
    base = backbone.model
    peft_model = add_lora(base, FIRST, rank=4, alpha=8, modules=ATTENTION + MLP)
    pieces = build_prompt(tok, TYPES)
    suffixes = [duplicated_suffix(tokenize_text(tok, t).ids, pieces)[0] for t in TEXTS]
    return backbone, peft_model, pieces, suffixes


def _full(base, prefix_ids, suffix):
    ids = torch.tensor([list(prefix_ids) + list(suffix)])
    return base(input_ids=ids).last_hidden_state[0, len(prefix_ids):]


def _cached(backbone, base, pieces, suffixes, bf16=False):
    bottom = BottomPass(backbone, FIRST, bf16=bf16)
    state, prefix_hidden = bottom.prefix(pieces.prefix_ids)
    hidden_in = bottom.suffixes(state, suffixes)
    top = TopLayers(base, FIRST, bf16=bf16)
    kv = top.prefix_kv(prefix_hidden[None].clone())
    return top.suffix_hidden(hidden_in.clone(), [len(s) for s in suffixes], kv, len(pieces.prefix_ids))


@pytest.mark.parametrize("kind", ["llama", "qwen3"])
def test_cached_top_layers_equal_full_forward_before_and_after_a_step(kind):
    torch.manual_seed(0)
    backbone, peft_model, pieces, suffixes = _setup(kind)
    base = peft_model.base_model.model
    for step in range(2):  # LoRA at zero (B = 0), then after one optimizer step on the cached path
        cached = _cached(backbone, base, pieces, suffixes)
        for row, suffix in enumerate(suffixes):
            ref = _full(base, pieces.prefix_ids, suffix)
            assert torch.allclose(cached[row, : len(suffix)], ref, atol=1e-4), (kind, step, row)
        if step == 0:
            opt = torch.optim.SGD(lora_parameters(peft_model), lr=0.5)
            cached.pow(2).mean().backward()
            opt.step()
            opt.zero_grad()
            assert any(p.abs().sum() > 0 for n, p in peft_model.named_parameters() if "lora_B" in n)


@pytest.mark.parametrize("kind", ["llama", "qwen3"])
def test_bf16_autocast_stays_close_to_fp32_and_trains(kind):
    # training precision `bf16` (config.precision): cache pass and top layers under autocast,
    # fp32 states out, gradients on the fp32 LoRA weights
    torch.manual_seed(0)
    backbone, peft_model, pieces, suffixes = _setup(kind)
    base = peft_model.base_model.model
    with torch.no_grad():
        for n, p in peft_model.named_parameters():
            if "lora_B" in n:
                p.normal_(0, 0.05)  # LoRA active, not at zero
    ref = _cached(backbone, base, pieces, suffixes)
    low = _cached(backbone, base, pieces, suffixes, bf16=True)
    assert low.dtype == torch.float32
    for row, suffix in enumerate(suffixes):
        a, b = ref[row, : len(suffix)], low[row, : len(suffix)]
        assert torch.nn.functional.cosine_similarity(a, b, dim=-1).min() > 0.99, (kind, row)
    low.pow(2).mean().backward()
    grads = [p.grad for n, p in peft_model.named_parameters() if "lora_A" in n]
    assert grads and all(g is not None and g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_cached_path_gradients_equal_full_forward_gradients():
    torch.manual_seed(1)
    backbone, peft_model, pieces, suffixes = _setup("llama")
    base = peft_model.base_model.model
    for n, p in peft_model.named_parameters():
        if "lora_B" in n:
            torch.nn.init.normal_(p, std=0.05)
    params = lora_parameters(peft_model)
    cached = _cached(backbone, base, pieces, suffixes)
    loss = sum(cached[row, : len(s)].pow(2).sum() for row, s in enumerate(suffixes))
    grads_cached = torch.autograd.grad(loss, params)
    loss_full = sum(_full(base, pieces.prefix_ids, s).pow(2).sum() for s in suffixes)
    grads_full = torch.autograd.grad(loss_full, params)
    for a, b in zip(grads_cached, grads_full):
        assert torch.allclose(a, b, atol=1e-4, rtol=1e-3)


def test_bottom_model_shares_weights_and_leaves_the_model_intact():
    backbone = make_backbone("llama", layers=LAYERS)
    bottom = bottom_model(backbone.model, FIRST)
    assert len(bottom.layers) == FIRST and len(backbone.model.layers) == LAYERS
    assert bottom.layers[0] is backbone.model.layers[0]
    assert not isinstance(backbone.model.norm, torch.nn.Identity)


def test_top_layers_refuse_an_empty_top():
    backbone = make_backbone("llama", layers=2)
    with pytest.raises(ValueError):
        TopLayers(backbone.model, 2)
