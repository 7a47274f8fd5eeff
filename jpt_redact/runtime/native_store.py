"""The torch backend's converted model in the cache: load in a fraction of a second, no transformers.

<cache>/native/<key>/ holds the backbone cut at the checkpoint's layer with its LoRA adapter
merged, in the packed decoder's fused layout (runtime/native.py), plus the tokenizer files:

    weights.safetensors   fp32, memory-mapped on load
    config.json           NativeConfig
    tokenizer.json, tokenizer_config.json, chat_template.jinja (when the backbone has them)
    meta.json             what it was made from, and whether the plain `tokenizers` tokenizer
                          gives the same ids and offsets as the transformers one (checked here)

The key hashes the backbone weights' SHA-256, the layer, the LoRA adapter files and this
format, so a new adapter or backbone makes a new entry. The first run builds it from the
transformers model (what `load_backbone` + `merge_lora` give); later runs import neither
transformers nor peft. Written to a temporary directory and renamed into place; an entry that
cannot be read is rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, Sequence

from ..model.backbone import Backbone, backbone_source_dir, load_backbone, resolve_backbone_path
from ..model.lora import lora_digest, merge_lora
from ..model.paths import cache_dir, force_offline, prune_lru, touch, weights_fingerprint
from .native_config import NATIVE_FORMAT, NativeConfig, native_config

STORE_FORMAT = 1
# Entries kept (least recently used pruned first): ~340 MB each for the default model, and every
# retrained LoRA adapter makes a new one.
MAX_ENTRIES = 4
WEIGHTS, CONFIG, META = "weights.safetensors", "config.json", "meta.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json")
_BUILD_LOCK = threading.Lock()
log = logging.getLogger(__name__)

# Strings the two tokenizers must agree on before the plain one is trusted: quotes, newlines,
# digits, emoji (multi-byte splits), Cyrillic, CJK, combining marks, tabs, long words.
TOKENIZER_PROBES = (
    "Please call John Smith at 555-0100 tomorrow.",
    "He said \"Alice\" met Carol in Paris \U0001F600\nthen left.\t(555) 123-4567",
    "Иван Петров живёт в Москве. 東京 北京 山田太郎 李小龙",
    "  leading and trailing spaces  \n\n",
    "café naïve Zürich São Paulo Kraków e\u0301 \U0001F44D\U0001F3FD \U0001F1EB\U0001F1F7",
    "IBAN DE89370400440532013000, e-mail: a.b-c@example.co.uk; http://x.y/z?q=1",
    "Supercalifragilisticexpialidocious_and_more_words_without_spaces_1234567890",
    "' The second time: '",
)


def store_key(backbone_sha256: str, layer: int | None, lora_sha256: str) -> str:
    blob = json.dumps([STORE_FORMAT, NATIVE_FORMAT, backbone_sha256, layer, lora_sha256])
    return hashlib.sha256(blob.encode()).hexdigest()[:24]


def store_dir(backbone_sha256: str, layer: int | None, checkpoint_dir: Path | None) -> Path:
    return cache_dir() / "native" / store_key(backbone_sha256, layer, lora_digest(checkpoint_dir))


def support(ref: str | None) -> tuple[bool, str]:
    """Whether the packed decoder computes this backbone exactly, from its config alone."""
    source, _ = backbone_source_dir(ref)
    try:
        raw = json.loads((Path(source) / "config.json").read_text())
    except (OSError, ValueError):
        return False, "no readable config.json"
    cfg, why = native_config(raw)
    return cfg is not None, why


class FastTokenizer:
    """The backbone's tokenizer through the `tokenizers` library alone (no transformers import).

    Text tokenization (`tok(text, add_special_tokens=False, return_offsets_mapping=True)`) runs
    here; anything else (the chat template, decoding) loads the transformers tokenizer from the
    same files on first use — only when a policy's prompt is not in the prefix cache."""

    def __init__(self, directory: Path):
        from tokenizers import Tokenizer

        self._dir = directory
        self._tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._full = None
        self._lock = threading.Lock()

    def __call__(self, text: str, add_special_tokens: bool = True, return_offsets_mapping: bool = False, **kw: Any):
        if kw or isinstance(text, (list, tuple)):
            return self._transformers()(text, add_special_tokens=add_special_tokens,
                                        return_offsets_mapping=return_offsets_mapping, **kw)
        enc = self._tok.encode(text, add_special_tokens=add_special_tokens)
        out = {"input_ids": list(enc.ids)}
        if return_offsets_mapping:
            out["offset_mapping"] = [tuple(o) for o in enc.offsets]
        return out

    def _transformers(self):
        with self._lock:
            if self._full is None:
                force_offline()
                from transformers import AutoTokenizer

                self._full = AutoTokenizer.from_pretrained(str(self._dir))
            return self._full

    def __len__(self) -> int:
        return int(self._tok.get_vocab_size(with_added_tokens=True))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._transformers(), name)


def tokenizers_agree(hf_tokenizer: Any, fast: FastTokenizer, probes: Sequence[str] = TOKENIZER_PROBES) -> bool:
    for text in probes:
        a = hf_tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        b = fast(text, add_special_tokens=False, return_offsets_mapping=True)
        if list(a["input_ids"]) != b["input_ids"] or [tuple(o) for o in a["offset_mapping"]] != b["offset_mapping"]:
            return False
    return True


def entry_complete(directory: Path) -> bool:
    return all((directory / name).is_file() for name in (WEIGHTS, CONFIG, META))


def entry_tokenizer(directory: Path, meta: dict | None = None) -> Any:
    """The entry's tokenizer: the plain `tokenizers` one where it was checked to agree."""
    meta = meta if meta is not None else json.loads((directory / META).read_text())
    return FastTokenizer(directory) if meta.get("fast_tokenizer") else _hf_tokenizer(directory)


def load(directory: Path, *, device: str = "cpu", dtype: Any = None) -> tuple[Any, Any, dict] | None:
    """(decoder, tokenizer, meta) from a store entry, or None when it is missing or unreadable."""
    if not entry_complete(directory):
        return None
    import torch
    from safetensors.torch import load_file

    from .native import NativeDecoder

    try:
        meta = json.loads((directory / META).read_text())
        cfg = NativeConfig.from_dict(json.loads((directory / CONFIG).read_text()))
        weights = load_file(str(directory / WEIGHTS), device="cpu")
        decoder = NativeDecoder(cfg, weights, device=device, dtype=dtype or torch.float32)
        tokenizer = entry_tokenizer(directory, meta)
    except Exception:  # a damaged entry costs a rebuild, never a wrong model
        return None
    touch(directory / META)
    return decoder, tokenizer, meta


def _hf_tokenizer(directory: Path) -> Any:
    force_offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory))


def _write_entry(directory: Path, write_weights, cfg: NativeConfig, tokenizer: Any, tokenizer_files: Path | None,
                 meta: dict) -> None:
    """Write an entry atomically: weights (by `write_weights(path)`), config, the tokenizer
    files (copied from `tokenizer_files`, or saved from `tokenizer`) and meta."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".tmp-"))
    try:
        write_weights(tmp / WEIGHTS)
        (tmp / CONFIG).write_text(json.dumps(cfg.to_dict(), indent=1))
        if tokenizer_files is not None:
            for name in TOKENIZER_FILES:
                if (tokenizer_files / name).is_file():
                    shutil.copyfile(tokenizer_files / name, tmp / name)
        else:
            tokenizer.save_pretrained(str(tmp))
        fast_ok = (tmp / "tokenizer.json").is_file() and tokenizers_agree(tokenizer, FastTokenizer(tmp))
        (tmp / META).write_text(json.dumps({"format": STORE_FORMAT, **meta, "fast_tokenizer": fast_ok}, indent=1))
        try:
            if directory.exists():  # an unreadable entry being replaced
                shutil.rmtree(directory, ignore_errors=True)
            os.replace(tmp, directory)
        except OSError:
            if not entry_complete(directory):  # not a concurrent build that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    prune_lru(directory.parent, f"*/{META}", MAX_ENTRIES, parent=True)


def build(directory: Path, backbone: Backbone, checkpoint_dir: Path | None, source: Path) -> None:
    """Write a store entry from a loaded (cut, LoRA-merged) transformers backbone."""
    from safetensors.torch import save_file

    from .native import fused_state

    cfg, why = native_config(backbone.model.config.to_dict())
    if cfg is None:
        raise ValueError(why)
    state = fused_state(backbone.model.state_dict(), cfg)
    meta = {"backbone_id": backbone.model_id, "backbone_sha256": backbone.weights_sha256,
            "layer": backbone.num_layers_used, "num_layers_total": backbone.num_layers_total,
            "lora_sha256": lora_digest(checkpoint_dir), "built_from": "transformers"}
    _write_entry(directory, lambda path: save_file({k: v.float().cpu().contiguous() for k, v in state.items()},
                                                   str(path), metadata={"format": str(STORE_FORMAT)}),
                 cfg, backbone.tokenizer, source, meta)


def build_from_gguf(directory: Path, gguf_path: Path, sha: str, layer: int | None,
                    checkpoint_dir: Path | None) -> bool:
    """Write a store entry straight from a llama GGUF (runtime/gguf_direct.py): the layers up
    to the cut dequantized, the adapter merged, no transformers model. False (nothing
    written) when the direct path does not cover this GGUF or adapter."""
    import gguf
    from safetensors.numpy import save_file

    from . import gguf_direct
    from ..model.backbone import gguf_tokenizer
    from ..model.lora import lora_dir

    reader = gguf.GGUFReader(str(gguf_path))
    try:
        cfg, weights, total = gguf_direct.fused_from_gguf(reader, layer, lora_dir(checkpoint_dir))
    except gguf_direct.Unsupported as exc:
        log.info("GGUF %s: converting through transformers (%s)", gguf_path.name, exc)
        return False
    tokenizer, files = gguf_tokenizer(gguf_path, sha, reader)
    meta = {"backbone_id": gguf_path.name, "backbone_sha256": sha, "layer": cfg.num_layers, "num_layers_total": total,
            "lora_sha256": lora_digest(checkpoint_dir), "built_from": "gguf"}
    _write_entry(directory, lambda path: save_file(weights, str(path), metadata={"format": str(STORE_FORMAT)}),
                 cfg, tokenizer, files, meta)
    return True


def ensure_entry(ref: str | None, layer: int | None, checkpoint_dir: Path | None, *,
                 rebuild: bool = False) -> Path | None:
    """The store entry of (backbone, layer, adapter), built if missing (`rebuild`: replaced,
    for an entry that cannot be read): from the GGUF directly where it can be, else from the
    transformers model. None: the packed decoder does not cover this architecture."""
    path = resolve_backbone_path(ref)
    sha = weights_fingerprint(path)
    directory = store_dir(sha, layer, checkpoint_dir)
    if entry_complete(directory) and not rebuild:
        return directory
    with _BUILD_LOCK:
        if rebuild:
            shutil.rmtree(directory, ignore_errors=True)
        elif entry_complete(directory):  # a concurrent build finished first
            return directory
        if path.is_file() and build_from_gguf(directory, path, sha, layer, checkpoint_dir):
            return directory
        if not support(ref)[0]:
            return None
        source, _ = backbone_source_dir(ref)
        build(directory, transformers_backbone(ref, layer, checkpoint_dir, device="cpu", dtype="float32"),
              checkpoint_dir, Path(source))
    return directory


def transformers_backbone(ref: str | None, layer: int | None, checkpoint_dir: Path | None, *, device: str = "cpu",
                          dtype: str | None = None) -> Backbone:
    """load_backbone + merge_lora, without the libraries' deprecation chatter on stderr (peft
    and transformers warn about each other's renamed arguments; users can do nothing about it)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        bb = load_backbone(ref, layer=layer, device=device, dtype=dtype)
        bb.model = merge_lora(bb.model, checkpoint_dir)
    return bb


def load_or_build(ref: str | None, layer: int | None, checkpoint_dir: Path | None, *, device: str = "cpu",
                  dtype: Any = None) -> tuple[Backbone, str]:
    """The backbone for the torch backend: the packed decoder from the store when the
    architecture allows it (built on first use, rebuilt once if unreadable), else the
    transformers model. (backbone, note)."""
    sha = weights_fingerprint(resolve_backbone_path(ref))
    directory = store_dir(sha, layer, checkpoint_dir)
    hit = load(directory, device=device, dtype=dtype)
    if hit is None:
        if ensure_entry(ref, layer, checkpoint_dir) is None:
            import torch

            why = support(ref)[1]
            return transformers_backbone(ref, layer, checkpoint_dir, device=device,
                                         dtype="bfloat16" if dtype is torch.bfloat16 else None), f"transformers ({why})"
        hit = load(directory, device=device, dtype=dtype)
        if hit is None:  # a damaged entry is rebuilt, never used
            ensure_entry(ref, layer, checkpoint_dir, rebuild=True)
            hit = load(directory, device=device, dtype=dtype)
        if hit is None:
            raise RuntimeError("the converted backbone could not be read back")  # pragma: no cover
    decoder, tokenizer, meta = hit
    bb = Backbone(decoder, tokenizer, str(meta.get("backbone_id", "backbone")), sha,
                  int(meta.get("num_layers_total", decoder.config.num_layers)), decoder.config.num_layers)
    return bb, f"packed decoder ({directory.name})"
