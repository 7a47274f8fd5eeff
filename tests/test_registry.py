"""Plugin registries (jpt_redact.registry): entry points and register(), one name space per kind."""
from __future__ import annotations

import pytest

from jpt_redact.errors import PluginError
from jpt_redact.registry import ALL, Registry, backends, exporters, operators, recognizers


def test_the_kinds_and_their_entry_point_groups():
    assert [(r.kind, r.group) for r in ALL] == [
        ("recognizer", "jpt_redact.recognizers"), ("operator", "jpt_redact.operators"), ("backend", "jpt_redact.backends"),
        ("exporter", "jpt_redact.exporters")]
    assert {"mask", "replace", "hash"} <= set(operators.names())
    assert {"torch", "onnx-cuda", "onnx-tensorrt"} <= set(backends.names())
    assert {"text", "json", "jsonl"} <= set(exporters.names())
    assert all(i.source == "entry-point jpt-redact" for i in recognizers.info())  # built-ins: the same path


def test_check_name_is_for_validators():
    assert operators.check_name("mask") == "mask"
    with pytest.raises(ValueError, match=r"unknown operator 'blur' \(installed: .*mask.*jpt-redact plugins"):
        operators.check_name("blur")
    empty = Registry("widget", "jpt_redact.no-such-group")
    with pytest.raises(ValueError, match="none installed: is jpt-redact installed"):
        empty.check_name("x")


def test_register_refuses_duplicates_and_survives_refresh():
    reg = Registry("operator", "jpt_redact.operators")

    class Loud:
        pass

    with pytest.raises(PluginError, match="'mask' is already registered"):
        reg.register("mask", Loud)  # a built-in cannot be overridden
    reg.register("loud", Loud)
    with pytest.raises(PluginError, match="already registered"):
        reg.register("loud", Loud)
    reg.get("mask")
    reg.refresh()  # forgets what discovery loaded, keeps register()ed names
    assert reg.get("loud") is Loud and "mask" in reg and reg.get("mask").__name__ == "MaskOperator"
    with pytest.raises(PluginError, match="unknown operator 'nope'"):
        reg.get("nope")
