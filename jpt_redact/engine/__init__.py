"""The engine: a loaded model that scores texts against a policy's definitions.

    base.py     the Engine and ModelScores protocols the detector relies on
    jpt.py      JPTEngine (prompt, windows, batches, heads) and TokenScores (decoding, memoised)
    loader.py   build_engine / load_engine: checkpoint + backbone + encoder + runtime backend

It sits above model/ (checkpoint format, prompt, heads, decoding) and runtime/ (backends),
and below the detector. Names import lazily: `import jpt_redact.engine` loads no torch.
"""
from __future__ import annotations

from typing import Any

_LAZY = {
    "Engine": "base", "ModelScores": "base", "JPTEngine": "jpt", "TokenScores": "jpt", "window_ranges": "jpt",
    "build_engine": "loader", "load_engine": "loader",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(name)


__all__ = sorted(_LAZY)
