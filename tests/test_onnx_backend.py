"""The onnxruntime backend against the torch backend on a tiny random Llama built here.

No download: the backbone (3 layers, hidden 64, cut at layer 2 by the checkpoint) and its
byte-level BPE tokenizer are made in a temporary directory, exported with the real exporter
(seconds), and compared with the torch backend through the real engine.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

from jpt_redact.errors import BackendUnavailableError, ModelError  # noqa: E402
from jpt_redact.registry import backends  # noqa: E402
from jpt_redact.runtime import onnx_backend, onnx_export  # noqa: E402
from jpt_redact.runtime.select import BackendSpec, create_backend, select_backend  # noqa: E402

TYPES = {
    "PERSON": "The name of a person: given names, family names, nicknames.",
    "CITY": "The name of a city, town or village.",
}
CORPUS = [
    "Alice Smith moved to Springfield in 2019 and called Bob.",
    "Nothing to see here.",
    "Der Bürgermeister von Köln traf Zoë in München; café ☕ at 9:30.",
    "x",
    " ".join(f"Line {i}: Carol wrote to Dave from Paris about invoice {1000 + i}." for i in range(12)),
]
D_ENC = 16


class HashEncoder:
    """Deterministic definition embeddings without a sentence-transformers model."""

    encoder_id = "hash-encoder"

    def encode(self, definitions):
        rows = []
        for d in definitions:
            seed = int.from_bytes(hashlib.sha256(d.encode()).digest()[:4], "little")
            v = np.random.default_rng(seed).standard_normal(D_ENC).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.stack(rows)


def _tokenizer(directory: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "</s>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS * 3 + list(TYPES.values()), trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>")
    fast.save_pretrained(str(directory))
    return fast


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """(checkpoint dir, backbone dir) with JPT_REDACT_CACHE pointing at a fresh cache."""
    from transformers import LlamaConfig, LlamaModel

    from jpt_redact.model.checkpoint import CheckpointConfig, save_checkpoint
    from jpt_redact.model.heads import JPTHeads
    from jpt_redact.model.paths import weights_fingerprint

    root = tmp_path_factory.mktemp("tiny")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JPT_REDACT_CACHE", str(root / "cache"))
        bb = root / "backbone"
        tok = _tokenizer(bb)
        torch.manual_seed(0)
        cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=3,
                          num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048)
        LlamaModel(cfg).save_pretrained(str(bb))
        heads = JPTHeads(64, D_ENC, 32, 16)
        ckpt_cfg = CheckpointConfig(backbone_id="tiny-llama", backbone_sha256=weights_fingerprint(bb),
                                    encoder_id=HashEncoder.encoder_id, d_llm=64, d_enc=D_ENC, layer=2, d_hidden=32, d_proj=16)
        ckpt = save_checkpoint(root / "ckpt", ckpt_cfg, heads.state_dict())
        yield ckpt, bb


def _spec(tiny, **options) -> BackendSpec:
    ckpt, bb = tiny
    return BackendSpec(backbone=str(bb), layer=2, checkpoint_dir=ckpt, options=options)


def _engine(tiny, name: str, **kw):
    from jpt_redact.model.checkpoint import load_heads_state
    from jpt_redact.engine.jpt import JPTEngine
    from jpt_redact.model.heads import O_DEFINITION, JPTHeads

    use_cache = kw.pop("use_prefix_cache", True)
    spec = _spec(tiny, **kw)
    spec.use_prefix_cache = use_cache
    backend, selection = create_backend(name, spec)
    heads = JPTHeads(64, D_ENC, 32, 16)
    heads.load_state_dict(load_heads_state(tiny[0]))
    return JPTEngine(backend=backend, tokenizer=backend.tokenizer, heads=heads, encoder=HashEncoder(),
                     o_definition=O_DEFINITION, model_id="tiny",
                     backend_name=selection.name, window_tokens=32, window_overlap=8, batch_size=3)


def _probs(engine) -> list[np.ndarray]:
    return [p for _, p in engine.token_probabilities(CORPUS, TYPES)]


def _separating_thresholds(probs: list[np.ndarray]) -> dict[str, float]:
    """Per type, a threshold in the widest gap between the 30th and 70th percentile of the
    scores, so spans are not empty and no score sits on the threshold."""
    out = {}
    for j, label in enumerate(TYPES):
        vals = np.unique(np.concatenate([p[:, j] for p in probs]))
        lo, hi = np.searchsorted(vals, np.quantile(vals, [0.3, 0.7]))
        gaps = np.diff(vals[lo : hi + 1])
        k = lo + int(np.argmax(gaps))
        assert gaps.max() > 1e-4
        out[label] = float((vals[k] + vals[k + 1]) / 2)
    return out


@pytest.fixture(scope="module")
def torch_engine(tiny):
    return _engine(tiny, "torch")


def test_fp32_matches_torch(tiny, torch_engine):
    onnx_engine = _engine(tiny, "onnx-cpu", precision="fp32")
    assert onnx_engine.backend.precision == "fp32" and onnx_engine.backend.kind == "cpu"
    ref, got = _probs(torch_engine), _probs(onnx_engine)
    for a, b in zip(ref, got):
        assert a.shape == b.shape
        np.testing.assert_allclose(b, a, atol=1e-3, rtol=0)
    thr = _separating_thresholds(ref)
    spans_ref = torch_engine.predict(CORPUS, TYPES, thr)
    spans = onnx_engine.predict(CORPUS, TYPES, thr)
    assert sum(map(len, spans_ref)) > 0
    assert [[(s.start, s.end, s.label) for s in doc] for doc in spans] == [[(s.start, s.end, s.label) for s in doc] for doc in spans_ref]
    for doc, doc_ref in zip(spans, spans_ref):
        assert [s.score for s in doc] == pytest.approx([s.score for s in doc_ref], abs=1e-3)


def test_without_prefix_cache_matches_torch(tiny, torch_engine):
    onnx_engine = _engine(tiny, "onnx-cpu", precision="fp32", use_prefix_cache=False)
    for a, b in zip(_probs(torch_engine), _probs(onnx_engine)):
        np.testing.assert_allclose(b, a, atol=1e-3, rtol=0)


def test_hidden_states_are_right_padded_float32(tiny):
    backend = create_backend("onnx-cpu", _spec(tiny, precision="fp32"))[0]
    prefix = backend.prepare_prefix([1, 2, 3, 4])
    out = backend.suffix_hidden_states(prefix, [[5, 6, 7], [8]])
    assert out.dtype == torch.float32 and tuple(out.shape) == (2, 3, 64)
    alone = backend.suffix_hidden_states(prefix, [[8]])
    np.testing.assert_allclose(out[1, :1].numpy(), alone[0].numpy(), atol=1e-5)
    assert backend.precision == "fp32"


def test_batches_are_split_to_bound_attention_memory(tiny):
    backend = create_backend("onnx-cpu", _spec(tiny, precision="fp32"))[0]
    prefix = backend.prepare_prefix(list(range(1, 40)))
    suffixes = [list(range(5, 5 + n)) for n in (30, 25, 25, 3, 1)]
    whole = backend.suffix_hidden_states(prefix, suffixes)
    row = backend._heads * 30 * (39 + 30) * 4  # bytes of the longest row's attention scores
    backend.attention_bytes = 2.5 * row
    assert backend._chunks(suffixes, 39) == [(0, 2), (2, 5)]
    split = backend.suffix_hidden_states(prefix, suffixes)
    for i, s in enumerate(suffixes):
        np.testing.assert_allclose(split[i, : len(s)].numpy(), whole[i, : len(s)].numpy(), atol=1e-5)
    assert not split[2:, 25:].any()  # beyond the second chunk's own length: zeros


def test_int8_export_runs_and_is_finite(tiny, torch_engine):
    import onnx

    engine = _engine(tiny, "onnx-cpu", precision="int8")
    backend = engine.backend
    assert backend.precision == "int8"
    graph = onnx.load(str(backend.model_dir / onnx_export.MODEL_FILE)).graph
    ops = {n.op_type for n in graph.node}
    assert "MatMulInteger" in ops or "DynamicQuantizeLinear" in ops
    excluded = backend.meta["int8_excluded_nodes"]
    assert len(excluded) == 2 and all("/mlp/down_proj/" in n for n in excluded)  # one per layer kept
    assert {n.name for n in graph.node if n.op_type == "MatMul"} >= set(excluded)
    for (_, p), ref in zip(engine.token_probabilities(CORPUS, TYPES), _probs(torch_engine)):
        assert p.shape == ref.shape and np.isfinite(p).all()


def test_export_is_cached_and_reused(tiny, monkeypatch):
    spec = _spec(tiny)
    first = onnx_export.ensure_export(spec.backbone, 2, spec.checkpoint_dir, int8=False)

    def no_export(*args, **kwargs):
        raise AssertionError("exported again")

    monkeypatch.setattr(onnx_export, "_export_fp32", no_export)
    assert onnx_export.ensure_export(spec.backbone, 2, spec.checkpoint_dir, int8=False) == first
    assert first.parent.name == "onnx" and not list(first.parent.glob(".tmp-*"))
    other = onnx_export.cached_export_dir(spec.backbone, 1, spec.checkpoint_dir, int8=False)
    assert other != first and not other.exists()
    assert onnx_export.cached_export_dir(spec.backbone, 2, spec.checkpoint_dir, int8=True) != first
    lora = Path(spec.checkpoint_dir) / "lora"
    lora.mkdir()
    try:
        (lora / "adapter_model.safetensors").write_bytes(b"stand-in adapter bytes")
        assert onnx_export.cached_export_dir(spec.backbone, 2, spec.checkpoint_dir, int8=False) != first
    finally:
        (lora / "adapter_model.safetensors").unlink()
        lora.rmdir()


def test_export_onnx_to_a_directory_and_load_it(tiny, tmp_path):
    ckpt, bb = tiny
    out = onnx_export.export_onnx(ckpt, tmp_path / "export", backbone=str(bb))
    assert out == tmp_path / "export" and onnx_export.is_complete(out)
    assert onnx_export.read_meta(out)["layer"] == 2
    backend = create_backend("onnx-cpu", _spec(tiny, onnx_dir=str(out)))[0]
    assert backend.model_dir == out and backend.precision == "fp32"
    spec = _spec(tiny, onnx_dir=str(out))
    spec.layer = 1
    with pytest.raises(ModelError, match="another backbone, layer or LoRA"):
        create_backend("onnx-cpu", spec)
    with pytest.raises(ModelError, match="no ONNX export"):
        create_backend("onnx-cpu", _spec(tiny, onnx_dir=str(tmp_path / "missing")))


def test_cli_export_onnx(tiny, tmp_path):
    from click.testing import CliRunner

    from jpt_redact.cli.training import export_onnx_command

    ckpt, bb = tiny
    out = tmp_path / "x"
    result = CliRunner().invoke(export_onnx_command, ["--checkpoint", str(ckpt), "--backbone", str(bb), "--int8", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert onnx_export.read_meta(out)["precision"] == "int8" and (out / "model.onnx").is_file()
    assert str(out) in result.output


def test_auto_uses_cpu_onnx_only_with_a_cached_export(tiny, monkeypatch, tmp_path):
    monkeypatch.setattr(onnx_backend, "available_providers", lambda: ["CPUExecutionProvider"])
    monkeypatch.setattr("jpt_redact.runtime.select.torch_cuda_available", lambda: (False, "no CUDA"))
    spec = _spec(tiny, precision="int8")
    with monkeypatch.context() as mp:
        mp.setenv("JPT_REDACT_CACHE", str(tmp_path / "empty-cache"))
        selection = select_backend("auto", spec)
        assert selection.name == "torch"
        assert ("onnx-cpu", "no int8 ONNX export in the cache (run `jpt-redact export-onnx --int8`)") in selection.tried
    onnx_export.ensure_export(spec.backbone, 2, spec.checkpoint_dir, int8=True)
    selection = select_backend("auto", spec)
    assert selection.name == "onnx-cpu" and "cached int8 export" in selection.reason


@pytest.mark.parametrize("name, providers, devices, message", [
    ("onnx-cuda", ["CPUExecutionProvider"], 1, "no CUDAExecutionProvider"),
    ("onnx-cuda", ["CUDAExecutionProvider", "CPUExecutionProvider"], 0, "no CUDA device"),
    ("onnx-tensorrt", ["CUDAExecutionProvider", "CPUExecutionProvider"], 1, "no TensorrtExecutionProvider"),
])
def test_explicit_unavailable_provider_raises(tiny, monkeypatch, name, providers, devices, message):
    monkeypatch.setattr(onnx_backend, "available_providers", lambda: providers)
    monkeypatch.setattr(onnx_backend, "cuda_device_count", lambda: devices)
    with pytest.raises(BackendUnavailableError, match=message):
        select_backend(name, _spec(tiny))
    with pytest.raises(BackendUnavailableError, match=message):
        backends.get(name).create(_spec(tiny))  # no export is started for a missing provider


def test_missing_onnxruntime_is_a_clear_error(tiny, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(BackendUnavailableError, match=r"jpt-redact\[onnx\]"):
        select_backend("onnx", _spec(tiny))


def test_session_that_falls_back_to_cpu_is_refused(tiny, monkeypatch):
    class CpuOnlySession:
        def __init__(self, *args, **kwargs):
            pass

        def get_providers(self):
            return ["CPUExecutionProvider"]

    monkeypatch.setattr(ort, "InferenceSession", CpuOnlySession)
    model_dir = onnx_export.ensure_export(str(tiny[1]), 2, tiny[0], int8=False)
    with pytest.raises(BackendUnavailableError, match="fell back from CUDAExecutionProvider"):
        onnx_backend._session(model_dir, "cuda", None)


def test_unknown_precision_is_refused(tiny):
    with pytest.raises(ModelError, match="unknown ONNX precision"):
        create_backend("onnx-cpu", _spec(tiny, precision="fp8"))
