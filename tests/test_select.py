"""Backend selection: the `auto` order with providers mocked, and explicit names never falling back."""
from __future__ import annotations

from pathlib import Path

import pytest

from jpt_redact.errors import BackendUnavailableError
from jpt_redact.registry import backends
from jpt_redact.runtime import onnx_backend, onnx_export, select
from jpt_redact.runtime.select import AUTO_ORDER, BackendSpec, create_backend, select_backend

TRT, CUDA, CPU = "TensorrtExecutionProvider", "CUDAExecutionProvider", "CPUExecutionProvider"


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """Set what the machine has: onnxruntime providers (None: not installed), CUDA devices,
    torch CUDA, and whether the CPU export is in the cache."""
    def configure(providers=(CPU,), devices=0, torch_cuda=False, cached=False):
        def available():
            if providers is None:
                raise BackendUnavailableError("onnxruntime is not installed: pip install 'jpt-redact[onnx]'")
            return list(providers)

        monkeypatch.setattr(onnx_backend, "available_providers", available)
        monkeypatch.setattr(onnx_backend, "cuda_device_count", lambda: devices)
        monkeypatch.setattr(select, "torch_cuda_available",
                            lambda: (True, "torch sees a CUDA device (bf16)") if torch_cuda else (False, "torch sees no CUDA device"))
        monkeypatch.setattr(onnx_export, "cached_export_dir", lambda *a, **k: tmp_path / ("int8" if k.get("int8") else "fp32"))
        monkeypatch.setattr(onnx_export, "is_complete", lambda d: cached)

    return configure


def spec(**kw) -> BackendSpec:
    return BackendSpec(backbone=None, layer=4, checkpoint_dir=Path("/nonexistent-ckpt"), **kw)


@pytest.mark.parametrize("providers, devices, torch_cuda, cached, expected", [
    ((TRT, CUDA, CPU), 1, True, True, "onnx-tensorrt"),
    ((CUDA, CPU), 1, True, True, "onnx-cuda"),
    ((CUDA, CPU), 0, False, True, "onnx-cpu"),  # onnxruntime-gpu but no device: the CPU provider
    ((CPU,), 1, True, True, "torch"),  # torch on the GPU beats onnxruntime on CPU
    ((CPU,), 0, False, True, "onnx-cpu"),
    ((CPU,), 0, False, False, "torch"),  # no export cached: auto never starts one
    (None, 0, False, True, "torch"),  # onnxruntime not installed
    (None, 1, True, False, "torch"),
])
def test_auto_order(machine, providers, devices, torch_cuda, cached, expected):
    machine(providers, devices, torch_cuda, cached)
    selection = select_backend("auto", spec())
    assert selection.name == expected
    assert selection.reason.startswith("auto: ")
    considered = [name for name, _ in selection.tried]
    assert considered == list(AUTO_ORDER[: len(considered)])  # skipped in order, with reasons
    assert all(why for _, why in selection.tried)


def test_auto_reports_why_it_skipped(machine):
    machine(providers=(CPU,), devices=0, torch_cuda=False, cached=False)
    selection = select_backend("auto", spec())
    tried = dict(selection.tried)
    assert "no TensorrtExecutionProvider" in tried["onnx-tensorrt"]
    assert "no CUDAExecutionProvider" in tried["onnx-cuda"]
    assert tried["torch-cuda"] == "torch sees no CUDA device"
    assert "no fp32 ONNX export in the cache (run `jpt-redact export-onnx`)" in tried["onnx-cpu"]
    assert selection.reason == "auto: torch on CPU"


def test_auto_respects_a_cpu_device(machine):
    machine(providers=(TRT, CUDA, CPU), devices=1, torch_cuda=True, cached=True)
    selection = select_backend("auto", spec(device="cpu"))
    assert selection.name == "onnx-cpu"
    assert [n for n, _ in selection.tried] == ["onnx-tensorrt", "onnx-cuda", "torch-cuda"]


def test_auto_looks_for_the_export_of_the_configured_precision(machine, monkeypatch):
    machine(providers=(CPU,), cached=True)
    seen = []
    monkeypatch.setattr(onnx_export, "cached_export_dir", lambda *a, **k: seen.append(k["int8"]) or Path("/x"))
    assert select_backend("auto", spec(options={"precision": "fp32"})).name == "onnx-cpu"
    assert select_backend("auto", spec(options={"precision": "int8"})).name == "onnx-cpu"
    assert select_backend("auto", spec()).name == "onnx-cpu"  # auto precision: fp32
    assert seen == [False, True, False]


def test_backends_read_their_settings_from_the_spec_only(machine, monkeypatch):
    # The environment variables are CLI defaults (cli/common.py), never read by the library.
    machine(providers=(CPU,), cached=True)
    monkeypatch.setenv("JPT_REDACT_ONNX_PRECISION", "int8")
    monkeypatch.setenv("JPT_REDACT_ONNX_DIR", "/nonexistent-onnx-dir")
    seen = []
    monkeypatch.setattr(onnx_export, "cached_export_dir", lambda *a, **k: seen.append(k["int8"]) or Path("/x"))
    assert select_backend("auto", spec()).name == "onnx-cpu"
    assert seen == [False]


@pytest.mark.parametrize("name, providers, devices, message", [
    ("onnx-tensorrt", (CUDA, CPU), 1, "no TensorrtExecutionProvider"),
    ("onnx-cuda", (CPU,), 1, "no CUDAExecutionProvider"),
    ("onnx-cuda", (CUDA, CPU), 0, "no CUDA device is visible"),
    ("onnx", None, 0, "onnxruntime is not installed"),
    ("onnx-cpu", None, 0, "onnxruntime is not installed"),
    ("no-such-backend", (CPU,), 0, "unknown backend 'no-such-backend'"),
])
def test_explicit_unavailable_backend_raises(machine, name, providers, devices, message):
    machine(providers, devices, torch_cuda=True, cached=True)
    with pytest.raises(BackendUnavailableError, match=message) as info:
        select_backend(name, spec())
    assert repr(name) in str(info.value)


@pytest.mark.parametrize("providers, devices, provider", [
    ((TRT, CUDA, CPU), 1, TRT),
    ((CUDA, CPU), 1, CUDA),
    ((CUDA, CPU), 0, CPU),
    ((CPU,), 0, CPU),
])
def test_plain_onnx_takes_the_best_provider(machine, providers, devices, provider):
    machine(providers, devices)
    selection = select_backend("onnx", spec())
    assert selection.name == "onnx" and provider in selection.reason
    assert selection.reason.startswith("asked for explicitly")


def test_explicit_cpu_onnx_does_not_need_a_cached_export(machine):
    machine(providers=(CPU,), cached=False)
    assert select_backend("onnx-cpu", spec()).name == "onnx-cpu"


def test_create_backend_uses_the_registered_class(machine):
    class Dummy:
        created = []

        @classmethod
        def availability(cls, spec):
            return True, "always"

        @classmethod
        def create(cls, spec):
            cls.created.append(spec)
            return cls()

    backends.register("dummy-test-backend", Dummy)
    try:
        backend, selection = create_backend("dummy-test-backend", spec())
        assert isinstance(backend, Dummy) and selection.name == "dummy-test-backend"
        assert Dummy.created and Dummy.created[0].layer == 4
    finally:
        backends.unregister("dummy-test-backend")


def test_no_backend_at_all_raises(machine, monkeypatch):
    machine(providers=None)
    monkeypatch.setattr(select, "auto_order", lambda: ["onnx-cpu"])
    with pytest.raises(BackendUnavailableError, match="no runtime backend is available"):
        select_backend("auto", spec())
