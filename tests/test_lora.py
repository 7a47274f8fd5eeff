"""LoRA adapters in a checkpoint (jpt_redact.model.lora): found, fingerprinted, merged once at load."""
from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")

from engine_fixtures import make_backbone, one_torch_thread  # noqa: E402

from jpt_redact.model.lora import lora_digest, lora_dir, merge_lora  # noqa: E402
from jpt_redact.runtime.select import BackendSpec  # noqa: E402
from jpt_redact.runtime.torch_backend import TorchBackend  # noqa: E402

IDS = torch.tensor([[5, 17, 42, 99, 7, 3]])


def _hidden(model) -> torch.Tensor:
    with torch.inference_mode():
        return model(input_ids=IDS).last_hidden_state


@pytest.fixture(scope="module")
def adapted(tmp_path_factory):
    """(checkpoint dir with lora/, backbone dir, hidden states of the unmerged adapted model)."""
    root = tmp_path_factory.mktemp("lora")
    with one_torch_thread():
        bb = make_backbone("llama", seed=3)
        bb.model.save_pretrained(str(root / "backbone"))
        bb.tokenizer.save_pretrained(str(root / "backbone"))
        base = make_backbone("llama", seed=3).model
        adapted = peft.get_peft_model(base, peft.LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
        torch.manual_seed(1)
        with torch.no_grad():
            for name, p in adapted.named_parameters():
                if "lora_B" in name:
                    p.normal_(0, 0.5)  # peft starts B at zero: the adapter would change nothing
        adapted.eval()
        expected = _hidden(adapted)
        (root / "ckpt").mkdir()
        adapted.save_pretrained(str(root / "ckpt" / "lora"))
    return root / "ckpt", root / "backbone", expected


def test_merged_adapter_gives_the_adapted_model(adapted):
    ckpt, _, expected = adapted
    with one_torch_thread():
        base = make_backbone("llama", seed=3).model
        plain = _hidden(base)
        merged = merge_lora(base, ckpt)
        got = _hidden(merged)
    assert not torch.allclose(plain, expected, atol=1e-3)  # the adapter matters ...
    assert torch.allclose(got, expected, atol=1e-4)  # ... and merging keeps its effect exactly
    assert not any(p.requires_grad for p in merged.parameters())


def test_no_adapter_is_the_identity(tmp_path):
    model = object()
    assert merge_lora(model, tmp_path) is model and merge_lora(model, None) is model
    assert lora_dir(tmp_path) is None and lora_digest(tmp_path) == lora_digest(None) == "none"


def test_digest_follows_the_adapter_files(adapted, tmp_path):
    ckpt, _, _ = adapted
    first = lora_digest(ckpt)
    assert first != "none" and lora_digest(ckpt) == first
    import shutil

    copy = tmp_path / "ckpt"
    shutil.copytree(ckpt, copy)
    (copy / "lora" / "README.md").write_text("changed")
    assert lora_digest(copy) != first


def test_torch_backend_loads_the_checkpoint_with_its_adapter_merged(adapted):
    ckpt, backbone, expected = adapted
    with one_torch_thread():
        backend = TorchBackend.create(BackendSpec(backbone=str(backbone), layer=None, checkpoint_dir=ckpt, device="cpu"))
        got = _hidden(backend.model)
    assert torch.allclose(got, expected, atol=1e-4)
