"""Tiny, fully in-process stand-ins for the JPT engine's parts (no downloads, seconds to build).

- `make_tokenizer()`: a byte-level BPE tokenizer trained here with `tokenizers` on a few
  hundred short strings (quotes, newlines, emoji, Cyrillic, CJK), wrapped in
  PreTrainedTokenizerFast with a ChatML-like chat template.
- `make_backbone("llama" | "qwen3")`: a randomly initialised 2-layer base model (hidden 64,
  4 heads, 2 KV heads) in a `Backbone`.
- `HashEncoder`: a definition encoder with deterministic embeddings from a hash of the text.
- `make_heads()`: random JPTHeads (d_llm 64, d_enc 32, d_hidden 64, d_proj 32).
- `make_engine(...)`: a JPTEngine over those with the TorchBackend.
- `marker_engine(...)`: an engine whose weights are set by hand so that exactly the token
  MARKER_WORD is tagged MARKER_LABEL and nothing else, whatever its context. It lets engine
  tests assert *which* spans come out (e.g. after long-text windowing), not merely that
  something does.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import random
from typing import Mapping

import numpy as np
import torch

from jpt_redact.model.backbone import Backbone
from jpt_redact.engine.jpt import JPTEngine
from jpt_redact.model.heads import O_DEFINITION, JPTHeads
from jpt_redact.runtime.torch_backend import TorchBackend

D_LLM, D_ENC, D_HIDDEN, D_PROJ = 64, 32, 64, 32
MARKER_WORD = "Quxley"  # trained into the tokenizer as one token (with its leading space)
MARKER_LABEL = "PERSON"

CHATML_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

TYPES = {
    "PERSON": "The name of a person: given names, family names, nicknames.",
    "CITY": "The name of a city, town or village.",
    "PHONE": "A telephone or fax number.",
}

_WORDS = (
    "the a of and to in is was for on with at by from call please tomorrow today meeting "
    "John Smith Alice Jones Carol Paris Berlin London Springfield street road avenue phone "
    "email number account patient doctor hospital invoice order ticket customer address "
    "Quxley entity type name person city town village definition text time first second "
    "\"quoted\" 'single' «guillemets» “curly” (555) 123-4567 555-0100 +44 20 7946 0958 "
    "Иван Петров Москва Санкт-Петербург улица 東京 北京 山田太郎 李小龙 電話 😀 🎉 👍🏽 🇫🇷 "
    "café naïve Zürich São Paulo Kraków"
).split()


def _training_corpus(n: int = 600) -> list[str]:
    rng = random.Random(1234)
    lines = []
    for _ in range(n):
        words = rng.choices(_WORDS, k=rng.randint(3, 12))
        sep = rng.choice([" ", " ", " ", "\n", ", ", ". "])
        lines.append(sep.join(words))
    lines += [f"Please call {MARKER_WORD} tomorrow."] * 50  # so " Quxley" becomes one token
    lines += ["You are a precise entity tagger. The first time: ' The second time: '"] * 5
    return lines


@functools.lru_cache(maxsize=None)
def _tokenizer_json() -> str:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=700, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_training_corpus(), trainer=trainer)
    return tok.to_str()


def make_tokenizer(*, chat_template: bool = True):
    """A fresh PreTrainedTokenizerFast (own object each call: tests may modify it)."""
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(
        tokenizer_object=Tokenizer.from_str(_tokenizer_json()),
        bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token="<|endoftext|>",
    )
    if chat_template:
        tok.chat_template = CHATML_TEMPLATE
    return tok


def marker_token_id(tokenizer) -> int:
    ids = tokenizer(" " + MARKER_WORD, add_special_tokens=False)["input_ids"]
    assert len(ids) == 1, "the tiny tokenizer should hold ' Quxley' as one token"
    return ids[0]


def _model_config(kind: str, vocab_size: int, layers: int):
    common = dict(
        vocab_size=vocab_size, hidden_size=D_LLM, intermediate_size=128, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=8192, tie_word_embeddings=True,
    )
    if kind == "llama":
        from transformers import LlamaConfig

        return LlamaConfig(**common)
    if kind == "qwen3":
        from transformers import Qwen3Config

        return Qwen3Config(head_dim=16, **common)
    raise ValueError(kind)


def make_backbone(kind: str = "llama", *, layers: int = 2, seed: int = 0, tokenizer=None) -> Backbone:
    """A random tiny base model (fp32, eval, no grad) wrapped like load_backbone's result."""
    from transformers import AutoModel

    tokenizer = tokenizer or make_tokenizer()
    torch.manual_seed(seed)
    model = AutoModel.from_config(_model_config(kind, len(tokenizer), layers)).float().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    sha = hashlib.sha256(f"tiny-{kind}-{layers}-{seed}".encode()).hexdigest()
    return Backbone(model, tokenizer, f"tiny-{kind}", sha, layers, layers)


def saved_backbone(directory, kind: str = "llama"):
    """A tiny backbone saved as a Hugging Face directory (what a user points `backbone:` at): (bb, path)."""
    bb = make_backbone(kind)
    bb.model.save_pretrained(str(directory))
    bb.tokenizer.save_pretrained(str(directory))
    return bb, directory


class HashEncoder:
    """Deterministic unit vectors from a SHA-256 of the definition text."""

    encoder_id = "hash-encoder-32"
    dim = D_ENC

    def __init__(self):
        self.calls = 0

    def encode(self, definitions: list[str]) -> np.ndarray:
        self.calls += 1
        out = []
        for d in definitions:
            seed = int.from_bytes(hashlib.sha256(d.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out).astype(np.float32)


def make_heads(seed: int = 0) -> JPTHeads:
    torch.manual_seed(seed)
    return JPTHeads(D_LLM, D_ENC, D_HIDDEN, D_PROJ, dropout=0.0).eval()


def make_engine(
    kind: str = "llama",
    *,
    backbone: Backbone | None = None,
    heads: JPTHeads | None = None,
    encoder=None,
    use_prefix_cache: bool = True,
    **engine_kwargs,
) -> JPTEngine:
    backbone = backbone or make_backbone(kind)
    backend = TorchBackend(backbone, use_prefix_cache=use_prefix_cache)
    return JPTEngine(
        backend=backend, tokenizer=backbone.tokenizer, heads=heads or make_heads(), encoder=encoder or HashEncoder(),
        o_definition=O_DEFINITION, model_id=f"jpt:{backbone.model_id}", **engine_kwargs,
    )


@contextlib.contextmanager
def one_torch_thread():
    """Tiny models gain nothing from intra-op threads, and on a busy 2-core machine thread
    oversubscription makes them ~10x slower; tests use this around model work."""
    prev = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(prev)


# -- an engine that tags exactly one token ------------------------------------------------------
def _add_marker_channel(backbone: Backbone, marker_id: int) -> None:
    """Reserve residual-stream channel 0 for "is this the marker token": the embedding puts
    1.0 there for the marker only and no layer writes to it, so after the final norm the
    channel is large and positive at marker positions and exactly 0 everywhere else."""
    model = backbone.model
    with torch.no_grad():
        emb = model.get_input_embeddings().weight
        emb[:, 0] = 0.0
        emb[marker_id, 0] = 1.0
        for layer in model.layers:
            layer.self_attn.o_proj.weight[0, :] = 0.0
            layer.mlp.down_proj.weight[0, :] = 0.0


def _marker_heads(encoder, types: Mapping[str, str], label: str) -> JPTHeads:
    """Heads whose token projection is non-zero only when channel 0 is positive, and whose
    bilinear weights are set (from the projected type vectors) so that such tokens score
    `label` far above O and every other type, and all other tokens score O."""
    heads = make_heads(seed=1)
    labels = list(types)
    j = labels.index(label) + 1  # row of `label` in [O, types...]
    with torch.no_grad():
        lin1, lin2 = heads.token_mlp[0], heads.token_mlp[4]
        lin1.weight.zero_(), lin1.bias.zero_()
        lin1.weight[0, 0], lin1.weight[1, 0] = 1.0, -1.0  # LayerNorm of (x, -x, 0...) is +-5.66 for any x > 0, 0 for x = 0
        lin2.weight.zero_(), lin2.bias.zero_()
        lin2.weight[0, 0] = 1.0  # t = (~5.66, 0, ...) at the marker, 0 elsewhere
        emb = torch.from_numpy(encoder.encode([O_DEFINITION] + [types[k] for k in labels]))
        proj = heads.project_types(emb[1:], emb[0])  # [N+1, d_proj]
        # softmax head: bias(p) makes O win by a margin everywhere; t W p adds more for `label`
        soft = heads.softmax_head
        # least-squares vectors with  a . proj[k] = score_k  for every k
        pinv = torch.linalg.pinv(proj)
        bias_scores = torch.full((len(proj),), -10.0)
        bias_scores[0] = 10.0
        soft.bias.weight.copy_((pinv @ bias_scores)[None])
        soft.bias.bias.zero_()
        marker_scores = torch.full((len(proj),), -10.0)
        marker_scores[j] = 40.0 / 5.66
        soft.weight.zero_()
        soft.weight[0, :] = pinv @ marker_scores
        # sigmoid head over the types only: -10 everywhere, +20 for `label` at the marker
        sig = heads.sigmoid_head
        tproj = proj[1:]
        tpinv = torch.linalg.pinv(tproj)
        sig.bias.weight.copy_((tpinv @ torch.full((len(tproj),), -10.0))[None])
        sig.bias.bias.zero_()
        sig_scores = torch.full((len(tproj),), 0.0)
        sig_scores[j - 1] = 30.0 / 5.66
        sig.weight.zero_()
        sig.weight[0, :] = tpinv @ sig_scores
    return heads


def marker_engine(kind: str = "llama", types: Mapping[str, str] = TYPES, **engine_kwargs) -> JPTEngine:
    tokenizer = make_tokenizer()
    backbone = make_backbone(kind, tokenizer=tokenizer)
    _add_marker_channel(backbone, marker_token_id(tokenizer))
    encoder = HashEncoder()
    return make_engine(backbone=backbone, heads=_marker_heads(encoder, types, MARKER_LABEL), encoder=encoder,
                       **engine_kwargs)
