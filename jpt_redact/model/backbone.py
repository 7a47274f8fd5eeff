"""Load a causal LM backbone (HF directory or GGUF file), optionally cut at an intermediate layer.

GGUF files are dequantized by transformers (~20-45 s for SmolLM2-135M). We do that once and
keep the result as safetensors in the user cache, keyed by the GGUF file's SHA-256. A cached
conversion that cannot be loaded (a disk that filled up mid-copy, bit rot, a hand edit) is
converted again once, so a damaged cache costs one conversion, never every later run.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ModelError
from .paths import cache_dir, default_backbone_path, force_offline, weights_fingerprint

_CONVERT_LOCK = threading.Lock()
log = logging.getLogger("jpt_redact.model.backbone")


@dataclass
class Backbone:
    model: Any  # transformers base model (no LM head)
    tokenizer: Any
    model_id: str  # human-readable name
    weights_sha256: str
    num_layers_total: int
    num_layers_used: int

    @property
    def hidden_size(self) -> int:
        return int(self.model.config.hidden_size)


def resolve_backbone_path(ref: str | os.PathLike | None) -> Path:
    if ref is None or str(ref) in ("", "default"):
        return default_backbone_path()
    path = Path(ref).expanduser()
    if not path.exists():
        raise ModelError(f"backbone not found: {path}")
    return path


def _gguf_cache(gguf: Path, sha: str, *, rebuild: bool = False) -> Path:
    """Dequantize a GGUF once into <cache>/backbones/<sha>/ (safetensors + config + tokenizer);
    `rebuild` throws away what is cached there first."""
    target = cache_dir() / "backbones" / sha
    if not rebuild and (target / "model.safetensors").is_file():
        return target
    with _CONVERT_LOCK:
        if rebuild:
            shutil.rmtree(target, ignore_errors=True)
        elif (target / "model.safetensors").is_file():
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=".tmp-"))
        try:
            _convert_gguf(gguf, tmp)
            (tmp / "SOURCE").write_text(json.dumps({"gguf": gguf.name, "sha256": sha}))
            os.replace(tmp, target)  # atomic: a half-written cache is never used
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target


def _convert_gguf(gguf: Path, out: Path) -> None:
    from safetensors.torch import save_file
    from transformers import AutoModel, AutoTokenizer

    with _quiet_gguf_bar(), _one_gguf_parse():
        model = AutoModel.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    cfg = model.config.to_dict()
    cfg.pop("quantization_config", None)
    cfg["architectures"] = [type(model).__name__]
    (out / "config.json").write_text(json.dumps(cfg, indent=1))
    tok.save_pretrained(str(out))


def gguf_tokenizer(gguf: Path, sha: str, reader: Any = None) -> tuple[Any, Path | None]:
    """The transformers tokenizer of a GGUF backbone, and the directory holding its files when
    a full conversion saved them already (None: the caller saves them). `reader`: the GGUF
    already parsed, which transformers then reuses (parsing it costs ~5 s)."""
    force_offline()
    from transformers import AutoTokenizer

    converted = cache_dir() / "backbones" / sha
    if (converted / "tokenizer.json").is_file():
        return AutoTokenizer.from_pretrained(str(converted)), converted
    with _one_gguf_parse({str(gguf.resolve()): reader} if reader is not None else None):
        return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name), None


@contextlib.contextmanager
def _one_gguf_parse(parsed: dict[str, Any] | None = None):
    """transformers parses the GGUF file three times (config, weights, tokenizer), and parsing
    its metadata (49k vocabulary strings and merges, field by field in Python) was about 40% of
    the first run's conversion: the readers of one path are shared for the conversion's length
    (`parsed`: {resolved path: reader} already made)."""
    try:
        import gguf
    except ImportError:  # pragma: no cover - transformers reports the missing package itself
        yield
        return
    original = gguf.GGUFReader
    readers: dict[tuple, Any] = {(path, (), ()): r for path, r in (parsed or {}).items()}

    def shared_reader(path, *args, **kwargs):
        key = (str(Path(os.fspath(path)).resolve()), args, tuple(sorted(kwargs.items())))
        if key not in readers:
            readers[key] = original(path, *args, **kwargs)
        return readers[key]

    gguf.GGUFReader = shared_reader
    try:
        yield
    finally:
        gguf.GGUFReader = original


@contextlib.contextmanager
def _quiet_gguf_bar():
    """transformers dequantizes GGUF tensors under a plain tqdm bar that its own progress-bar
    switch does not reach; a library must not draw on the user's stderr (`-q` means nothing)."""
    try:
        import transformers.modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:  # pragma: no cover - a transformers without GGUF support fails later anyway
        yield
        return
    original = getattr(gguf_utils, "tqdm", None)
    if original is None:  # pragma: no cover
        yield
        return
    gguf_utils.tqdm = lambda *a, **kw: original(*a, **{**kw, "disable": True})
    try:
        yield
    finally:
        gguf_utils.tqdm = original


def cut_config(config: Any, layer: int | None) -> tuple[int, int]:
    """Cut a transformers config to its first `layer` decoder layers (in place):
    (layers in the checkpoint, layers used)."""
    total = int(config.num_hidden_layers)
    if layer is None or layer >= total:
        return total, total
    if layer < 1:
        raise ModelError(f"layer must be between 1 and {total}")
    config.num_hidden_layers = layer
    if getattr(config, "layer_types", None):
        config.layer_types = config.layer_types[:layer]
    return total, layer


def load_backbone(
    ref: str | os.PathLike | None = None,
    *,
    layer: int | None = None,
    device: str = "cpu",
    dtype: str | None = None,
) -> Backbone:
    """Load a backbone. `layer` keeps only the first `layer` decoder layers: only those are
    built and read from the weights file (the rest are never run); hidden states are then
    read after that layer (plus the final norm)."""
    force_offline()
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    path = resolve_backbone_path(ref)
    sha = weights_fingerprint(path)
    if dtype is None:
        dtype = "bfloat16" if device.startswith("cuda") else "float32"

    def load(source: Path) -> tuple[Any, Any, int, int]:
        config = AutoConfig.from_pretrained(str(source))
        total, used = cut_config(config, layer)
        model = AutoModel.from_pretrained(str(source), config=config, dtype=getattr(torch, dtype))
        return model, AutoTokenizer.from_pretrained(str(source)), total, used

    try:
        try:
            model, tok, total, used = load(_gguf_cache(path, sha) if path.is_file() else path)
        except ModelError:
            raise
        except Exception as exc:
            if not path.is_file():
                raise
            log.warning("cached conversion of backbone %s cannot be loaded (%s); converting it again",
                        sha[:12], type(exc).__name__)
            model, tok, total, used = load(_gguf_cache(path, sha, rebuild=True))
    except ModelError:
        raise
    except Exception as exc:
        raise ModelError(f"cannot load backbone from {path}: {type(exc).__name__}: {exc}") from exc
    model.eval().to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    name = path.name if path.is_file() else path.resolve().name
    return Backbone(model, tok, name, sha, total, used)


def backbone_source_dir(ref: str | os.PathLike | None) -> tuple[Path, str]:
    """(directory transformers can load, weights SHA-256); converts a GGUF on first use."""
    force_offline()
    path = resolve_backbone_path(ref)
    sha = weights_fingerprint(path)
    return (_gguf_cache(path, sha) if path.is_file() else path), sha


def load_tokenizer(ref: str | os.PathLike | None = None) -> Any:
    from transformers import AutoTokenizer

    source, _ = backbone_source_dir(ref)
    return AutoTokenizer.from_pretrained(str(source))
