"""The numpy backend computes what the torch packed decoder computes, and keeps torch out.

Tiny random models from tests/engine_fixtures.py: the decoder, the heads and whole engines
are held to their torch twins (fp32, tolerance 1e-4); the prefix store keeps numpy prefixes
apart from torch ones; a warm process over a converted store never imports torch.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from engine_fixtures import TYPES, HashEncoder, make_backbone, make_heads, one_torch_thread, saved_backbone
from jpt_redact.engine import prefix_store
from jpt_redact.engine.jpt import JPTEngine
from jpt_redact.errors import BackendUnavailableError, ModelError
from jpt_redact.model.heads import O_DEFINITION
from jpt_redact.model.heads_numpy import NumpyHeads, _erf
from jpt_redact.runtime import native, native_store
from jpt_redact.runtime.numpy_backend import NumpyBackend, NumpyPrefix
from jpt_redact.runtime.numpy_decoder import NumpyDecoder
from jpt_redact.runtime.select import BackendSpec
from jpt_redact.runtime.torch_backend import TorchBackend

TEXTS = [
    "Please call John Smith at 555-0100 tomorrow.",
    "Иван Петров живёт в Москве.",
    'He said "Alice" met Carol in Paris 😀\nthen left.',
    "ok",
    "",
    " ".join(f"Line {i}: the patient Carol Jones was seen at Springfield hospital." for i in range(9)),
]
TOL = 1e-4


@pytest.fixture(scope="module", autouse=True)
def _single_thread():
    with one_torch_thread():
        yield


@pytest.fixture(scope="module", params=["llama", "qwen3"])
def backbone(request):
    return make_backbone(request.param)


def _twins(backbone) -> tuple[native.NativeDecoder, NumpyDecoder]:
    torch_decoder, why = native.from_transformers(backbone.model)
    assert torch_decoder is not None, why
    weights = native.fused_state(backbone.model.state_dict(), torch_decoder.config)
    return torch_decoder, NumpyDecoder(torch_decoder.config, {k: v.numpy() for k, v in weights.items()})


def _ids(backbone, text: str) -> list[int]:
    return backbone.tokenizer(text, add_special_tokens=False)["input_ids"]


# -- the decoder -----------------------------------------------------------------------------
def test_prefix_kv_match_the_torch_decoder(backbone):
    tdec, ndec = _twins(backbone)
    ids = _ids(backbone, TEXTS[0] + " " + TEXTS[1])
    with torch.inference_mode():
        want = tdec.prefix(ids)
    got = ndec.prefix(ids)
    assert len(got) == len(want)
    for (gk, gv), (wk, wv) in zip(got, want):
        assert gk.shape == tuple(wk.shape[1:]) and gv.shape == tuple(wv.shape[1:])
        np.testing.assert_allclose(gk, wk[0].numpy(), atol=TOL)
        np.testing.assert_allclose(gv, wv[0].numpy(), atol=TOL)


@pytest.mark.parametrize("with_prefix", [True, False])
@pytest.mark.parametrize("keep", [True, False])
def test_packed_states_match_the_torch_decoder(backbone, with_prefix, keep):
    tdec, ndec = _twins(backbone)
    prefix_ids = _ids(backbone, "You are a precise entity tagger.")
    suffixes = [_ids(backbone, t) for t in TEXTS if t]
    keep_last = [max(1, len(s) // 2) for s in suffixes] if keep else None
    with torch.inference_mode():
        tkv = tdec.prefix(prefix_ids) if with_prefix else None
        want = tdec.packed(tkv, suffixes, keep_last)
    nkv = [(k[0].numpy(), v[0].numpy()) for k, v in tkv] if with_prefix else None
    got = ndec.packed(nkv, suffixes, keep_last)
    assert [g.shape for g in got] == [tuple(w.shape) for w in want]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w.numpy(), atol=TOL)


def test_prefix_attention_in_blocks_equals_one_block(backbone, monkeypatch):
    from jpt_redact.runtime import numpy_decoder

    _, ndec = _twins(backbone)
    kv = ndec.prefix(_ids(backbone, TEXTS[1]))
    suffixes = [_ids(backbone, t) for t in TEXTS if t]
    whole = ndec.packed(kv, suffixes)
    monkeypatch.setattr(numpy_decoder, "QUERY_BLOCK", 7)
    for a, b in zip(ndec.packed(kv, suffixes), whole):
        np.testing.assert_allclose(a, b, atol=1e-6)


# -- the heads ---------------------------------------------------------------------------------
def test_erf_is_close_to_the_exact_one():
    import math

    x = np.linspace(-6, 6, 2001)
    assert float(np.abs(_erf(x) - np.array([math.erf(v) for v in x])).max()) < 2e-7


def test_numpy_heads_match_the_torch_heads():
    heads = make_heads(seed=3)
    twin = NumpyHeads({k: v.numpy() for k, v in heads.state_dict().items()})
    rng = np.random.default_rng(0)
    emb = rng.standard_normal((5, 32)).astype(np.float32)
    states = [rng.standard_normal((n, 64)).astype(np.float32) for n in (3, 1, 7)]
    want_proj = heads.project_definitions(emb)
    got_proj = twin.project_definitions(emb)
    np.testing.assert_allclose(got_proj, want_proj.numpy(), atol=TOL)
    np.testing.assert_allclose(twin.type_probabilities(states, got_proj),
                               heads.type_probabilities([torch.from_numpy(s) for s in states], want_proj), atol=TOL)


def test_heads_missing_a_tensor_are_refused():
    state = {k: v.numpy() for k, v in make_heads().state_dict().items()}
    del state["sigmoid_head.weight"]
    with pytest.raises(ModelError, match="sigmoid_head.weight"):
        NumpyHeads(state)


# -- whole engines -----------------------------------------------------------------------------
def _numpy_backend(backbone, identity="numpy|tiny") -> NumpyBackend:
    _, ndec = _twins(backbone)
    return NumpyBackend(ndec, backbone.tokenizer, weights_sha256=backbone.weights_sha256, identity=identity)


def _engines(backbone, *, prefix_store_on=False):
    heads = make_heads(seed=2)
    numpy_heads = NumpyHeads({k: v.numpy() for k, v in heads.state_dict().items()})
    common = dict(tokenizer=backbone.tokenizer, encoder=HashEncoder(), o_definition=O_DEFINITION, model_id="tiny",
                  prefix_store=prefix_store_on)
    torch_engine = JPTEngine(backend=TorchBackend(backbone, identity="torch|tiny"), heads=heads, **common)
    numpy_engine = JPTEngine(backend=_numpy_backend(backbone), heads=numpy_heads, **common)
    return torch_engine, numpy_engine


def test_engine_probabilities_and_spans_match_torch(backbone):
    torch_engine, numpy_engine = _engines(backbone)
    want = torch_engine.token_probabilities(TEXTS, TYPES)
    got = numpy_engine.token_probabilities(TEXTS, TYPES)
    for (tw, pw), (tg, pg) in zip(want, got):
        assert tw.ids == tg.ids and pw.shape == pg.shape
        np.testing.assert_allclose(pg, pw, atol=TOL)
    flat = np.concatenate([p for _, p in want if p.size])
    thresholds = {label: float(np.median(flat[:, i])) for i, label in enumerate(TYPES)}
    spans = [[(s.start, s.end, s.label) for s in doc] for doc in numpy_engine.predict(TEXTS, TYPES, thresholds)]
    assert spans == [[(s.start, s.end, s.label) for s in doc] for doc in torch_engine.predict(TEXTS, TYPES, thresholds)]
    assert any(spans)


def test_long_text_windows_match_torch(backbone):
    torch_engine, numpy_engine = _engines(backbone)
    torch_engine.window_tokens = numpy_engine.window_tokens = 24
    torch_engine.window_overlap = numpy_engine.window_overlap = 6
    text = TEXTS[-1]
    (_, want), = torch_engine.token_probabilities([text], TYPES)
    (_, got), = numpy_engine.token_probabilities([text], TYPES)
    np.testing.assert_allclose(got, want, atol=TOL)


def test_numpy_prefix_round_trips_through_the_store(backbone, tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    _, first = _engines(backbone, prefix_store_on=True)
    want = [p for _, p in first.token_probabilities(TEXTS, TYPES)]
    (stored,) = (tmp_path / "prefix").glob("*.safetensors")
    _, second = _engines(backbone, prefix_store_on=True)
    calls = []
    second.backend.prepare_prefix = lambda ids: calls.append(ids)  # must not be needed
    got = [p for _, p in second.token_probabilities(TEXTS, TYPES)]
    assert not calls
    assert isinstance(second.prepare(TYPES).prefix, NumpyPrefix)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    # a torch backend of the same model never reads the numpy entry (its own identity)
    torch_engine, _ = _engines(backbone, prefix_store_on=True)
    torch_engine.token_probabilities(TEXTS[:1], TYPES)
    assert len(list((tmp_path / "prefix").glob("*.safetensors"))) == 2 and stored.is_file()


def test_a_foreign_prefix_is_refused(backbone):
    backend = _numpy_backend(backbone)
    kv = backend.prepare_prefix(_ids(backbone, TEXTS[0])).kv
    tensors = backend.prefix_tensors(NumpyPrefix((), kv))
    with pytest.raises(ValueError, match="does not fit"):
        backend.prefix_from_tensors([1, 2, 3], tensors)  # wrong length
    with pytest.raises(ValueError, match="does not fit"):
        backend.prefix_from_tensors(_ids(backbone, TEXTS[0]), {k: v for k, v in tensors.items() if k != "v1"})


# -- from a converted store, in a process without torch ---------------------------------------------
@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return saved_backbone(tmp_path_factory.mktemp("numpy-saved"))[1]


def test_auto_waits_for_a_converted_store_and_create_builds_one(saved, tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    spec = BackendSpec(backbone=str(saved), layer=1)
    ok, why = NumpyBackend.auto_availability(spec)
    assert not ok and "first run" in why
    assert NumpyBackend.availability(spec)[0]
    backend = NumpyBackend.create(spec)  # converts with torch, once
    assert backend.load_note.endswith("converted now") and backend.decoder.config.num_layers == 1
    assert NumpyBackend.auto_availability(spec)[0]
    assert NumpyBackend.create(spec).load_note.startswith("packed decoder")
    ok, why = NumpyBackend.availability(BackendSpec(backbone=str(saved), layer=1, device="cuda"))
    assert not ok and "CPU only" in why
    (entry,) = (tmp_path / "native").iterdir()
    (entry / "weights.safetensors").write_bytes(b"broken")
    rebuilt = NumpyBackend.create(spec)  # a damaged entry is rebuilt, never used
    assert rebuilt.load_note.endswith("converted now") and rebuilt.decoder.config.num_layers == 1
    (entry / "weights.safetensors").write_bytes(b"broken")
    monkeypatch.setattr(native_store, "ensure_entry", lambda *a, **kw: None)  # an architecture it does not cover
    with pytest.raises(BackendUnavailableError, match="does not cover"):
        NumpyBackend.create(spec)


WARM_RUN = """
import hashlib, json, sys
import numpy as np
from jpt_redact.engine.jpt import JPTEngine
from jpt_redact.model.heads_numpy import NumpyHeads
from jpt_redact.runtime.numpy_backend import NumpyBackend
from jpt_redact.runtime.select import BackendSpec

class Encoder:
    encoder_id = "hash"
    def encode(self, definitions):
        out = []
        for d in definitions:
            seed = int.from_bytes(hashlib.sha256(d.encode()).digest()[:8], "little")
            v = np.random.default_rng(seed).standard_normal(32).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.stack(out)

backend = NumpyBackend.create(BackendSpec(backbone=sys.argv[1], layer=1))
heads = NumpyHeads({k: np.asarray(v) for k, v in np.load(sys.argv[2]).items()})
engine = JPTEngine(backend=backend, tokenizer=backend.tokenizer, heads=heads, encoder=Encoder(),
                   o_definition="O", model_id="tiny")
(tok, probs), = engine.token_probabilities(["Please call John Smith tomorrow."], {"PERSON": "A person's name."})
print(json.dumps({"torch": "torch" in sys.modules, "shape": list(probs.shape), "sum": float(probs.sum())}))
"""


def test_a_warm_numpy_engine_never_imports_torch(saved, tmp_path):
    env = {**os.environ, "JPT_REDACT_CACHE": str(tmp_path / "cache")}
    heads = make_heads(seed=4)
    heads_file = tmp_path / "heads.npz"
    np.savez(heads_file, **{k: v.numpy() for k, v in heads.state_dict().items()})
    runs = [subprocess.run([sys.executable, "-c", WARM_RUN, str(saved), str(heads_file)], env=env,
                           capture_output=True, text=True, timeout=300) for _ in range(2)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    first, warm = (json.loads(r.stdout.strip().splitlines()[-1]) for r in runs)
    assert first["torch"] is True  # the first run converts the backbone (and renders the prompt)
    assert warm["torch"] is False and warm["shape"][1] == 1
    assert abs(warm["sum"] - first["sum"]) < 1e-4
    assert Path(env["JPT_REDACT_CACHE"], "native").is_dir()


def test_a_second_backend_reuses_the_rendered_prompt(backbone, tmp_path, monkeypatch):
    from jpt_redact.engine import jpt

    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    torch_engine, numpy_engine = _engines(backbone, prefix_store_on=True)
    want = torch_engine.prepare(TYPES).pieces
    assert len(list((tmp_path / "prompts").glob("*.json"))) == 1

    def no_rendering(*_):
        raise AssertionError("the prompt was rendered again")

    monkeypatch.setattr(jpt, "build_prompt", no_rendering)
    assert numpy_engine.prepare(TYPES).pieces == want
    (tmp_path / "prompts").joinpath(next((tmp_path / "prompts").iterdir()).name).write_text("{broken")
    monkeypatch.undo()
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    _, fresh = _engines(backbone, prefix_store_on=True)
    fresh.backend.prefix_identity = "numpy|other"  # a prefix miss too: both are recomputed
    assert fresh.prepare(TYPES).pieces == want


def test_torch_fp32_and_numpy_share_one_stored_prefix(saved, tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path))
    spec = BackendSpec(backbone=str(saved), layer=1, options={"torch_precision": "fp32"})
    torch_backend = TorchBackend.create(spec)
    numpy_backend = NumpyBackend.create(spec)
    assert torch_backend.prefix_identity == numpy_backend.prefix_identity
    assert torch_backend.prefix_identity.startswith("packed-fp32|")
    bf16 = TorchBackend.create(BackendSpec(backbone=str(saved), layer=1, options={"torch_precision": "bf16"}))
    assert bf16.prefix_identity != torch_backend.prefix_identity  # bf16 prefixes are never shared
    heads = make_heads(seed=5)
    numpy_heads = NumpyHeads({k: v.numpy() for k, v in heads.state_dict().items()})
    common = dict(encoder=HashEncoder(), o_definition=O_DEFINITION, model_id="tiny")
    first = JPTEngine(backend=torch_backend, tokenizer=torch_backend.tokenizer, heads=heads, **common)
    want = first.token_probabilities(TEXTS, TYPES)
    numpy_backend.prepare_prefix = lambda ids: pytest.fail("the stored torch prefix should have been used")
    second = JPTEngine(backend=numpy_backend, tokenizer=numpy_backend.tokenizer, heads=numpy_heads, **common)
    got = second.token_probabilities(TEXTS, TYPES)
    for (_, a), (_, b) in zip(got, want):
        np.testing.assert_allclose(a, b, atol=TOL)
    # and the other way round: a prefix numpy stored ([H_kv, P, D]) serves torch
    other = {"CITY": "A city."}
    second.backend.prepare_prefix = NumpyBackend.prepare_prefix.__get__(second.backend)
    second.prepare(other)
    torch_backend.prepare_prefix = lambda ids: pytest.fail("the stored numpy prefix should have been used")
    assert first.prepare(other).prefix.kv[0][0].dim() == 4
