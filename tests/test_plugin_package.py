"""A separately installed plugin distribution (examples/plugin) works like the built-ins: its
operator, recognizer, backend and output format are found through entry points, named from a
policy (or --format), and used by the SDK and the CLI.

The distribution is built and installed with pip into a temporary directory (no index, no
build isolation, no dependencies: nothing is downloaded and the shared environment is not
touched), put on the path for this process and for CLI subprocesses, and removed afterwards.
The model side is a tiny checkpoint whose heads read the toy backend's vectors; its
definition embeddings are stored in a temporary cache, so no encoder model is loaded.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jpt_redact import registry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "plugin"
DIST = "jpt-redact-example-plugin"
TEXT = "Ticket tck-004211 was opened by Ann Lee."
POLICY = """\
name: plugin-demo
model:
  checkpoint: {ckpt}
  backbone: {backbone}
  encoder: {encoder}
  backend: toy-hash
  backend_options: {{seed: 7}}
entities:
  TICKET_ID:
    definition: Support ticket ids, 'TCK-' and six digits (TCK-004211). Not order numbers.
    model: false
    recognizers: [ticket_id]
    action: {{shout: {{suffix: "!!"}}}}
  PERSON:
    definition: Names of people (Ann Lee). Not product names.
    threshold: 0.6
"""


def _pip_install(src: Path, target: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "--no-compile",
           "--disable-pip-version-check", "--target", str(target), str(src)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def _refresh() -> None:
    importlib.invalidate_caches()
    for reg in registry.ALL:
        reg.refresh()


def _tiny_model(root: Path) -> dict[str, Path]:
    """A checkpoint for a 16-wide backbone, zero heads (every probability 0.5: no model span
    reaches PERSON's 0.6), and the definition embeddings of the policy in the cache."""
    import torch

    from jpt_redact.model.checkpoint import O_DEFINITION, CheckpointConfig, save_checkpoint
    from jpt_redact.model.encoder import DefinitionEncoder
    from jpt_redact.model.heads import JPTHeads
    from jpt_redact.model.paths import weights_fingerprint

    backbone = root / "toy-backbone.bin"
    backbone.write_bytes(b"the toy backend reads no weights; the checkpoint still pins this file")
    encoder = root / "toy-encoder"
    encoder.mkdir()
    heads = JPTHeads(16, 8, 8, 4)
    with torch.no_grad():
        for p in heads.parameters():
            p.zero_()
    cfg = CheckpointConfig(backbone_id="toy", backbone_sha256=weights_fingerprint(backbone), encoder_id="toy-encoder",
                           d_llm=16, d_enc=8, layer=None, d_hidden=8, d_proj=4)
    ckpt = save_checkpoint(root / "ckpt", cfg, heads.state_dict())
    definitions = [O_DEFINITION, "Names of people (Ann Lee). Not product names."]
    DefinitionEncoder(str(encoder)).store(definitions, np.eye(len(definitions), 8, dtype=np.float32))
    return {"ckpt": ckpt, "backbone": backbone, "encoder": encoder}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    root = tmp_path_factory.mktemp("plugin")
    src, site, cache = root / "src", root / "site", root / "cache"
    shutil.copytree(EXAMPLE, src)  # the build writes into its source tree: not into the repo's
    _pip_install(src, site)
    env_before = os.environ.get("JPT_REDACT_CACHE")
    os.environ["JPT_REDACT_CACHE"] = str(cache)
    sys.path.insert(0, str(site))
    _refresh()
    try:
        paths = _tiny_model(root)
        policy = root / "plugin-demo.yaml"
        policy.write_text(POLICY.format(**paths), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]),
               "JPT_REDACT_CACHE": str(cache)}
        yield {"policy": policy, "env": env}
    finally:  # uninstall: off the path, out of the module cache and the registries, files gone
        sys.path.remove(str(site))
        for name in [m for m in sys.modules if m == "jpt_redact_example" or m.startswith("jpt_redact_example.")]:
            del sys.modules[name]
        if env_before is None:
            os.environ.pop("JPT_REDACT_CACHE", None)
        else:
            os.environ["JPT_REDACT_CACHE"] = env_before
        shutil.rmtree(site, ignore_errors=True)
        _refresh()


def cli(installed, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    exe = [sys.executable, "-c", "from jpt_redact.cli.main import main; main()"]
    done = subprocess.run([*exe, *args], input=stdin, capture_output=True, text=True, env=installed["env"], timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_entry_points_put_the_plugins_in_the_registries(installed):
    for reg, name in ((registry.operators, "shout"), (registry.recognizers, "ticket_id"), (registry.backends, "toy-hash"),
                      (registry.exporters, "findings-csv")):
        info = {i.name: i for i in reg.info()}[name]
        assert info.source == f"entry-point {DIST}", info
        assert "built-in" not in info.source and reg.get(name).__module__.startswith("jpt_redact_example.")


def test_the_sdk_uses_all_three_from_a_policy(installed):
    from jpt_redact.redactor import Redactor

    redactor = Redactor.from_policy(installed["policy"])
    result = redactor.redact(TEXT)
    assert result.text == "Ticket TCK-004211!! was opened by Ann Lee."
    (finding,) = result.findings
    assert (finding.action, finding.span.recognizer) == ("shout", "pattern:ticket_id")
    backend_cls = registry.backends.get("toy-hash")
    assert redactor.engine.backend_name == "toy-hash" and backend_cls.calls > 0  # the model ran on it


def test_the_cli_uses_all_three_from_a_policy(installed):
    listed = {(p["kind"], p["name"]): p["source"] for p in json.loads(cli(installed, "plugins", "--json").stdout)}
    for key in (("operator", "shout"), ("recognizer", "ticket_id"), ("backend", "toy-hash"), ("exporter", "findings-csv")):
        assert listed[key] == f"entry-point {DIST}"
    assert "OK:" in cli(installed, "policy", "validate", str(installed["policy"])).stdout
    assert "toy-hash (asked for explicitly" in cli(installed, "info", "-p", str(installed["policy"])).stdout
    out = cli(installed, "-", "-p", str(installed["policy"]), "--format", "json", stdin=TEXT).stdout
    assert json.loads(out)["text"] == "Ticket TCK-004211!! was opened by Ann Lee."
    rows = cli(installed, "-", "-p", str(installed["policy"]), "--format", "findings-csv", stdin=TEXT).stdout
    assert rows == "<stdin>,TICKET_ID,7,17,shout\n"


def test_without_the_plugin_the_policy_is_refused_at_its_line(installed, tmp_path):
    from jpt_redact.errors import PolicyError
    from jpt_redact.policy import load_policy

    text = installed["policy"].read_text(encoding="utf-8").replace("shout:", "whisper:")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=r"bad\.yaml:13: entities\.TICKET_ID\.action\.type: unknown operator 'whisper'"):
        load_policy(bad)


def test_the_docs_show_the_example_code():
    operator = (EXAMPLE / "jpt_redact_example" / "operators.py").read_text(encoding="utf-8")
    body = operator[operator.index("class ShoutOperator"):].strip()
    assert body in (ROOT / "docs" / "operators.md").read_text(encoding="utf-8")
