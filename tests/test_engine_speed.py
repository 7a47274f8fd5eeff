"""The engine's speed levers keep the spans: packed vs padded batches, the policy prefix from
disk vs computed, the cut load vs the full load, the converted store vs transformers; and the
precision choice by CPU feature. Tiny random models from tests/engine_fixtures.py."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from engine_fixtures import (TYPES, HashEncoder, make_backbone, make_engine, make_heads, one_torch_thread,
                             saved_backbone)
from jpt_redact.engine import prefix_store
from jpt_redact.engine.jpt import JPTEngine
from jpt_redact.errors import ModelError
from jpt_redact.model.heads import O_DEFINITION
from jpt_redact.runtime import cpu, native, native_store
from jpt_redact.runtime.torch_backend import TorchBackend

KINDS = ["llama", "qwen3"]
TEXTS = [
    "Please call John Smith at 555-0100 tomorrow.",
    "Иван Петров живёт в Москве.",
    'He said "Alice" met Carol in Paris 😀\nthen left.',
    "ok",
    "",
    " ".join(f"Line {i}: the patient Carol Jones was seen at Springfield hospital, phone (555) 123-4567." for i in range(9)),
]


@pytest.fixture(scope="module", autouse=True)
def _single_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module", params=KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def backbone(kind):
    return make_backbone(kind)


def _engine(backbone, *, packing=True, **kw) -> JPTEngine:
    backend = TorchBackend(backbone, packing=packing, use_prefix_cache=kw.pop("use_prefix_cache", True),
                           identity=kw.pop("identity", None))
    return JPTEngine(backend=backend, tokenizer=backbone.tokenizer, heads=kw.pop("heads", None) or make_heads(),
                     encoder=HashEncoder(), o_definition=O_DEFINITION, model_id="tiny", **kw)


def _probs(engine, texts=TEXTS) -> list[np.ndarray]:
    return [p for _, p in engine.token_probabilities(texts, TYPES)]


def _max_diff(a, b) -> float:
    assert [x.shape for x in a] == [y.shape for y in b]
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b) if x.size)


def _spans(engine, thresholds):
    return [[(s.start, s.end, s.label) for s in doc] for doc in engine.predict(TEXTS, TYPES, thresholds)]


def _median_thresholds(probs) -> dict[str, float]:
    flat = np.concatenate([p for p in probs if p.size])
    return {label: float(np.median(flat[:, i])) for i, label in enumerate(TYPES)}


class PassCounter:
    """Wraps a backend method and counts the calls (to prove which path ran)."""

    def __init__(self, backend, name):
        self.calls, self._fn = 0, getattr(backend, name)
        setattr(backend, name, self)

    def __call__(self, *a, **kw):
        self.calls += 1
        return self._fn(*a, **kw)


# -- packed vs padded ---------------------------------------------------------------------------
@pytest.mark.parametrize("use_prefix_cache", [True, False])
def test_packed_batches_give_the_padded_results(backbone, use_prefix_cache):
    packed = _engine(backbone, use_prefix_cache=use_prefix_cache, window_tokens=32, window_overlap=8)
    padded = _engine(backbone, packing=False, use_prefix_cache=use_prefix_cache, window_tokens=32, window_overlap=8)
    assert packed.backend.supports_packing and not padded.backend.supports_packing
    passes = PassCounter(packed.backend, "packed_hidden_states")
    a, b = _probs(packed), _probs(padded)
    assert passes.calls >= 1
    assert _max_diff(a, b) <= 1e-5
    assert np.concatenate([p for p in a if p.size]).std(0).min() > 1e-3  # not a constant output
    thr = _median_thresholds(a)
    spans = _spans(packed, thr)
    assert spans == _spans(padded, thr) and any(spans)


def test_pack_token_budget_splits_passes_without_changing_results(backbone):
    whole = _engine(backbone, batch_size=64)
    split = _engine(backbone, batch_size=64, pack_tokens=40)
    passes = PassCounter(split.backend, "packed_hidden_states")
    assert _max_diff(_probs(whole), _probs(split)) <= 1e-5
    assert passes.calls > 2  # every window alone exceeds 40 tokens but the long ones: one pass each


def test_native_decoder_matches_the_transformers_model(backbone):
    from jpt_redact.model.prompt import build_prompt

    decoder, why = native.from_transformers(backbone.model)
    assert decoder is not None, why
    ids = list(build_prompt(backbone.tokenizer, TYPES).prefix_ids)
    with torch.inference_mode():
        out = backbone.model(input_ids=torch.tensor([ids]), use_cache=True)
        want = [(layer.keys, layer.values) for layer in out.past_key_values.layers]
        got = decoder.prefix(ids)
        plain = decoder(torch.tensor([ids])).last_hidden_state
    assert all(torch.allclose(k, gk, atol=1e-5) and torch.allclose(v, gv, atol=1e-5) for (k, v), (gk, gv) in zip(want, got))
    assert torch.allclose(plain, out.last_hidden_state, atol=1e-5)


@pytest.mark.parametrize("change, why", [
    ({"model_type": "gpt2"}, "model_type"),
    ({"rope_parameters": {"rope_type": "llama3", "rope_theta": 5e5}}, "RoPE type"),
    ({"rope_scaling": {"type": "linear", "factor": 2.0}}, "RoPE type"),
    ({"hidden_act": "gelu"}, "activation"),
    ({"layer_types": ["full_attention", "sliding_attention"]}, "sliding"),
    ({"attention_bias": True}, "biases"),
])
def test_architectures_the_packed_decoder_does_not_cover_keep_transformers(change, why):
    base = make_backbone("llama").model.config.to_dict()
    assert native.native_config(base)[0] is not None
    cfg, reason = native.native_config({**base, **change})
    assert cfg is None and why in reason


def test_bf16_decoder_stays_close_to_fp32(backbone):
    decoder, _ = native.from_transformers(backbone.model)
    weights = native.fused_state(backbone.model.state_dict(), decoder.config)
    half = native.NativeDecoder(decoder.config, weights, dtype=torch.bfloat16)
    ids = backbone.tokenizer(TEXTS[0], add_special_tokens=False)["input_ids"]
    with torch.inference_mode():
        kv32, kv16 = decoder.prefix(ids[:5]), half.prefix(ids[:5])
        a = decoder.packed(kv32, [ids[5:], ids[3:]])
        b = half.packed(kv16, [ids[5:], ids[3:]])
    assert kv16[0][0].dtype == torch.bfloat16 and b[0].dtype == torch.float32
    cos = torch.nn.functional.cosine_similarity(torch.cat(a), torch.cat(b), dim=-1)
    assert cos.min() > 0.99 and (torch.cat(a) - torch.cat(b)).abs().max() > 0  # close, and really bf16


# -- the prefix on disk -------------------------------------------------------------------------
class CountingBackend(TorchBackend):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.prefixes = 0

    def prepare_prefix(self, prefix_ids):
        self.prefixes += 1
        return super().prepare_prefix(prefix_ids)


def _stored_engine(backbone, identity="tiny|test") -> JPTEngine:
    backend = CountingBackend(backbone, identity=identity)
    return JPTEngine(backend=backend, tokenizer=backbone.tokenizer, heads=make_heads(), encoder=HashEncoder(),
                     o_definition=O_DEFINITION, model_id="tiny")


def test_prefix_from_disk_equals_a_fresh_one(backbone, tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    first = _stored_engine(backbone)
    fresh = _probs(first)
    assert first.backend.prefixes == 1
    files = list((tmp_path / "prefix").glob("*.safetensors"))
    assert len(files) == 1
    second = _stored_engine(backbone)
    import jpt_redact.engine.jpt as jpt_module

    monkeypatch.setattr(jpt_module, "build_prompt", lambda *a: pytest.fail("the prompt was rebuilt"))
    stored = _probs(second)
    assert second.backend.prefixes == 0  # read, not computed
    assert _max_diff(fresh, stored) == 0.0
    assert second.prepare(TYPES).pieces == first.prepare(TYPES).pieces
    # keyed by the definitions and the model, never by documents; no document text inside
    assert list((tmp_path / "prefix").glob("*.safetensors")) == files
    assert b"John Smith" not in files[0].read_bytes()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other model"])
def test_a_damaged_prefix_file_is_recomputed(backbone, tmp_path, monkeypatch, damage):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    want = _probs(_stored_engine(backbone))
    (path,) = (tmp_path / "prefix").glob("*.safetensors")
    if damage == "garbage":
        path.write_bytes(b"\x00not a safetensors file")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    else:  # a valid file whose tensors do not fit (one layer short)
        from safetensors import safe_open
        from safetensors.torch import save_file

        with safe_open(str(path), framework="pt") as fh:
            meta, tensors = fh.metadata(), {k: fh.get_tensor(k) for k in fh.keys() if not k.endswith("1")}
        save_file(tensors, str(path), metadata=meta)
    again = _stored_engine(backbone)
    assert _max_diff(_probs(again), want) <= 1e-6
    assert again.backend.prefixes == 1
    assert _stored_engine(backbone).prepare(TYPES) is not None and path.stat().st_size > 1000  # rewritten


def test_prefix_store_keeps_the_most_recently_used_files(backbone, tmp_path, monkeypatch):
    import os

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    monkeypatch.setattr(prefix_store, "MAX_FILES", 2)
    sets = [{"PERSON": f"A person, variant {i}."} for i in range(3)]
    engine = _stored_engine(backbone)
    engine.prepare(sets[0])
    first = prefix_store.prefix_path(prefix_store.prefix_key("tiny|test", sets[0]))
    os.utime(first, (1, 1))  # long unused
    engine.prepare(sets[1])
    _stored_engine(backbone).prepare(sets[0])  # read from disk: used again
    engine.prepare(sets[2])
    kept = {p.name for p in (tmp_path / "prefix").glob("*.safetensors")}
    assert len(kept) == 2 and first.name in kept
    assert prefix_store.prefix_path(prefix_store.prefix_key("tiny|test", sets[1])).name not in kept


def test_prefix_key_follows_model_and_definitions():
    key = prefix_store.prefix_key("m|1", TYPES)
    assert key == prefix_store.prefix_key("m|1", dict(TYPES))
    assert key != prefix_store.prefix_key("m|2", TYPES)
    assert key != prefix_store.prefix_key("m|1", {**TYPES, "CITY": "A place."})
    assert key != prefix_store.prefix_key("m|1", dict(reversed(list(TYPES.items()))))


# -- loading --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory, kind):
    return saved_backbone(tmp_path_factory.mktemp(f"saved-{kind}"), kind)


def test_cut_load_equals_loading_everything_then_cutting(saved):
    from transformers import AutoModel

    from jpt_redact.model.backbone import load_backbone

    bb, path = saved
    cut = load_backbone(str(path), layer=1)
    assert (cut.num_layers_total, cut.num_layers_used, len(cut.model.layers)) == (2, 1, 1)
    full = AutoModel.from_pretrained(str(path)).eval()
    full.layers = full.layers[:1]
    full.config.num_hidden_layers = 1
    assert cut.model.state_dict().keys() == full.state_dict().keys()
    assert all(torch.equal(v, full.state_dict()[k]) for k, v in cut.model.state_dict().items())
    ids = torch.tensor([bb.tokenizer(TEXTS[0], add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        assert torch.equal(cut.model(input_ids=ids).last_hidden_state, full(input_ids=ids).last_hidden_state)


def test_converted_store_round_trip(saved, tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    bb, path = saved
    built, note = native_store.load_or_build(str(path), 1, None)
    assert isinstance(built.model, native.NativeDecoder) and note.startswith("packed decoder")
    (entry,) = (tmp_path / "native").iterdir()
    assert json.loads((entry / "meta.json").read_text())["fast_tokenizer"] is True
    loaded, _ = native_store.load_or_build(str(path), 1, None)
    assert isinstance(loaded.tokenizer, native_store.FastTokenizer) and loaded.num_layers_used == 1
    ids = bb.tokenizer(TEXTS[2], add_special_tokens=False)["input_ids"]
    ref = make_backbone(bb.model.config.model_type, layers=2)  # same seed as `saved`: same weights
    ref.model.layers = ref.model.layers[:1]
    ref.model.config.num_hidden_layers = 1
    with torch.inference_mode():
        want = ref.model(input_ids=torch.tensor([ids])).last_hidden_state
        got = loaded.model(torch.tensor([ids])).last_hidden_state
    assert torch.allclose(got, want, atol=1e-5)
    # a damaged entry is rebuilt, never used
    (entry / "weights.safetensors").write_bytes(b"broken")
    again, _ = native_store.load_or_build(str(path), 1, None)
    with torch.inference_mode():
        assert torch.allclose(again.model(torch.tensor([ids])).last_hidden_state, want, atol=1e-5)


@pytest.fixture(scope="module")
def saved_llama(tmp_path_factory):
    return saved_backbone(tmp_path_factory.mktemp("saved-llama-only"))[1]


def test_warm_load_needs_neither_transformers_nor_peft(saved_llama, tmp_path):
    path = saved_llama
    env_cache = str(tmp_path / "cache")
    code = (
        "import sys; from jpt_redact.runtime.native_store import load_or_build\n"
        f"bb, note = load_or_build({str(path)!r}, 1, None)\n"
        "ids = bb.tokenizer('Please call John', add_special_tokens=False)['input_ids']\n"
        "assert ids and note.startswith('packed decoder')\n"
        "print(sorted(m for m in ('transformers', 'peft', 'sentence_transformers') if m in sys.modules))\n"
    )
    import os

    env = {**os.environ, "JPT_REDACT_CACHE": env_cache}
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert warm.returncode == 0, warm.stderr[-2000:]
    assert warm.stdout.strip().splitlines()[-1] == "[]"
    assert warm.stderr == ""


def test_fast_tokenizer_agrees_with_transformers(saved, tmp_path):
    bb, path = saved
    fast = native_store.FastTokenizer(path)
    assert native_store.tokenizers_agree(bb.tokenizer, fast, list(native_store.TOKENIZER_PROBES) + TEXTS)

    class OffByOne:
        def __call__(self, text, **kw):
            out = bb.tokenizer(text, **kw)
            return {**out, "input_ids": [i + 1 for i in out["input_ids"]]}

    assert not native_store.tokenizers_agree(OffByOne(), fast)
    assert fast.bos_token_id == bb.tokenizer.bos_token_id  # the rest comes from transformers, lazily


# -- precision by CPU feature --------------------------------------------------------------------
def _features(**kw) -> cpu.CpuFeatures:
    base = dict(capability="AVX2", avx512_bf16=False, amx=False, vnni=False, physical_cores=2)
    return cpu.CpuFeatures(**{**base, **kw})


@pytest.mark.parametrize("features, requested, device, expected", [
    (_features(), "auto", "cpu", "fp32"),
    (_features(), None, "cpu", "fp32"),
    (_features(capability="AVX512", vnni=True), "auto", "cpu", "fp32"),  # VNNI alone: int8 is never automatic
    (_features(capability="AVX512", avx512_bf16=True), "auto", "cpu", "bf16"),
    (_features(amx=True), "auto", "cpu", "bf16"),
    (_features(avx512_bf16=True), "fp32", "cpu", "fp32"),
    (_features(), "bf16", "cpu", "bf16"),
    (_features(), "auto", "cuda", "bf16"),
])
def test_precision_follows_the_cpu(monkeypatch, features, requested, device, expected):
    monkeypatch.setattr(cpu, "cpu_features", lambda: features)
    monkeypatch.setattr(cpu, "AUTO_BF16", True)  # the shipped setting (conftest turns it off elsewhere)
    precision, why = cpu.choose_precision(requested, device)
    assert precision == expected and why


def test_native_bf16_stays_opt_in_while_the_gate_is_off(monkeypatch):
    monkeypatch.setattr(cpu, "cpu_features", lambda: _features(amx=True))
    monkeypatch.setattr(cpu, "AUTO_BF16", False)
    precision, why = cpu.choose_precision("auto")
    assert precision == "fp32" and "opt-in" in why
    assert cpu.choose_precision("bf16")[0] == "bf16"


def test_the_shipped_gate_setting_is_on():
    import re
    from pathlib import Path

    # conftest turns the flag off for the suite; the shipped module has it on (a recorded pass:
    # docs/benchmarks.md, bf16)
    assert re.search(r"^AUTO_BF16 = True$", Path(cpu.__file__).read_text(), re.M)


def test_unknown_precision_is_refused():
    with pytest.raises(ModelError, match="unknown torch precision"):
        cpu.choose_precision("int4")


def test_cpu_features_of_this_host():
    feats = cpu.cpu_features()
    assert feats.physical_cores >= 1 and feats.capability
    assert feats.describe().startswith(feats.capability)


@pytest.mark.parametrize("given, expected", [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_openmp_threads_wait_passively_unless_told_otherwise(given, expected):
    import os

    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    if given:
        env["OMP_WAIT_POLICY"] = given
    code = "import os, sys, jpt_redact; print(os.environ['OMP_WAIT_POLICY'], 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout.split()
    assert out == [expected, "False"]  # set before anything could load torch (and libgomp)
