"""Checkpoint directory: config.json + heads.safetensors (+ lora/ when adapters were trained).

The config pins the backbone by the SHA-256 of its weights file, so heads are never
silently used on a backbone they were not trained for.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CheckpointMismatchError, ModelError
from .definition_forms import EMBED_FORMS

FORMAT_VERSION = 1
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "weights" / "default"
# The definition embedded for the "no entity" class O; checkpoints record the one they used.
O_DEFINITION = "A token that is not part of any named entity"


@dataclass
class CheckpointConfig:
    backbone_id: str
    backbone_sha256: str
    encoder_id: str
    d_llm: int
    d_enc: int
    layer: int | None  # number of decoder layers used (None: all)
    d_hidden: int = 1024
    d_proj: int = 256
    prompt_version: int = 1
    o_definition: str = O_DEFINITION
    lora: dict[str, Any] | None = None
    embed_form: str = "as_written"  # what the encoder embeds of a definition (model/definition_forms.py)
    format_version: int = FORMAT_VERSION
    training: dict[str, Any] = field(default_factory=dict)

    @property
    def model_id(self) -> str:
        return f"jpt:{self.backbone_id}@L{self.layer or 'all'}:{self.backbone_sha256[:12]}"


def save_checkpoint(directory: str | os.PathLike, config: CheckpointConfig, heads_state: dict, lora_dir: str | None = None) -> Path:
    from safetensors.torch import save_file

    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=directory.parent, prefix=".ckpt-"))
    try:
        (tmp / "config.json").write_text(json.dumps(asdict(config), indent=2, sort_keys=True))
        save_file({k: v.detach().contiguous().cpu() for k, v in heads_state.items()}, str(tmp / "heads.safetensors"))
        if lora_dir:
            shutil.copytree(lora_dir, tmp / "lora")
        if directory.exists():
            old = directory.with_name(directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return directory


def load_checkpoint_config(directory: str | os.PathLike | None) -> tuple[Path, CheckpointConfig]:
    path = DEFAULT_CHECKPOINT if directory in (None, "", "default") else Path(directory).expanduser()
    cfg_file = path / "config.json"
    if not cfg_file.is_file():
        raise ModelError(f"not a jpt-redact checkpoint (no config.json): {path}")
    try:
        raw = json.loads(cfg_file.read_text())
        if raw.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"checkpoint format {raw.get('format_version')} is not supported (expected {FORMAT_VERSION})")
        cfg = CheckpointConfig(**raw)
        if cfg.embed_form not in EMBED_FORMS:
            raise ModelError(f"checkpoint embed_form {cfg.embed_form!r} is not one of {', '.join(EMBED_FORMS)}")
    except (ValueError, TypeError) as exc:
        raise ModelError(f"invalid checkpoint config {cfg_file}: {exc}") from None
    return path, cfg


def load_heads_state(directory: Path) -> dict:
    from safetensors.torch import load_file

    f = directory / "heads.safetensors"
    if not f.is_file():
        raise ModelError(f"checkpoint has no heads.safetensors: {directory}")
    return load_file(str(f))


def check_backbone(cfg: CheckpointConfig, sha256: str, path_hint: str) -> None:
    if cfg.backbone_sha256 != sha256:
        raise CheckpointMismatchError(
            f"checkpoint was trained on backbone {cfg.backbone_id} (sha256 {cfg.backbone_sha256[:12]}…) "
            f"but {path_hint} has sha256 {sha256[:12]}…; use the matching backbone or retrain"
        )
