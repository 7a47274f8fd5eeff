"""`jpt-redact train` with a `lora:` section, end to end on a tiny backbone: cache -> LoRA + heads ->
checkpoint; the engine loads the checkpoint with the adapter merged, and a re-run resumes."""
from __future__ import annotations

import json

import pytest
import yaml

torch = pytest.importorskip("torch")
peft = pytest.importorskip("peft")

from engine_fixtures import TYPES, make_backbone, make_tokenizer, one_torch_thread  # noqa: E402

from jpt_redact.engine.loader import build_engine  # noqa: E402
from jpt_redact.model.prompt import build_prompt, duplicated_suffix, tokenize_text  # noqa: E402
from jpt_redact.train.loop import train_from_config  # noqa: E402
from jpt_redact.train.lora_run import is_dev, plan_groups  # noqa: E402

LAYERS = 4


def _tiny_wnut17(data_root):
    """A 24-sentence stand-in for the WNUT17 training file (the loop reads corpora by name)."""
    folder = data_root / "wnut17"
    folder.mkdir(parents=True)
    people, places = ["John", "Alice", "Carol"], ["Paris", "Berlin", "London"]
    lines = []
    for i in range(24):
        lines += [f"{people[i % 3]}\tB-person", "met\tO", "me\tO", "in\tO", f"{places[i % 3]}\tB-location",
                  f"day{i}\tO", ""]
    (folder / "wnut17train.conll").write_text("\n".join(lines), encoding="utf-8")


def _train_tiny(root, max_examples: int = 24, **lora):
    """Write a tiny backbone and WNUT17 stand-in under `root` and train on them (JPT_REDACT_DATA set by the caller)."""
    _tiny_wnut17(root / "data")
    tok = make_tokenizer()
    bb = make_backbone("llama", layers=LAYERS, seed=5, tokenizer=tok)
    bb.model.save_pretrained(str(root / "backbone"))
    tok.save_pretrained(str(root / "backbone"))
    cfg = {
        "output_dir": str(root / "ckpt"), "work_dir": str(root / "work"), "backbone": str(root / "backbone"),
        "layers": [LAYERS], "sources": [{"corpus": "wnut17", "max_examples": max_examples}], "group_size": 8,
        "groups_per_shard": 1, "max_types": 6, "max_tokens": 32, "dev_fraction": 0.2, "seed": 3,
        "lora": {"top_layers": 2, "rank": 4, "alpha": 8, "dropout": 0.0, "examples_per_step": 4,
                 "max_steps": 4, "save_every": 2, "log_every": 2, **lora},
    }
    (root / "cfg.yaml").write_text(yaml.safe_dump(cfg))
    with one_torch_thread():
        return train_from_config(root / "cfg.yaml")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("lora-run")
    mp = pytest.MonkeyPatch()
    mp.setenv("JPT_REDACT_DATA", str(root / "data"))
    out = _train_tiny(root, lr=0.05, heads_lr=1e-3)
    yield root, out
    mp.undo()


def test_checkpoint_carries_the_adapter_and_its_settings(trained):
    root, out = trained
    config = json.loads((out / "config.json").read_text())
    assert config["lora"] == {"rank": 4, "alpha": 8, "top_layers": 2,
                              "modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}
    adapter = json.loads((out / "lora" / "adapter_config.json").read_text())
    assert sorted(adapter["target_modules"]) == sorted(
        f"layers.{i}.self_attn.{m}" for i in (2, 3) for m in ("q_proj", "k_proj", "v_proj", "o_proj"))
    assert str(root) not in adapter["base_model_name_or_path"]  # no local paths in a shipped adapter
    summary = json.loads((root / "work" / "summary.json").read_text())
    assert summary["history"][-1]["step"] == 4 and summary["train_examples"] > 0


def test_engine_reads_the_trained_adapter_merged(trained):
    root, out = trained
    with one_torch_thread():
        engine = build_engine(str(out), backbone=str(root / "backbone"), backend="torch")
        plain = make_backbone("llama", layers=LAYERS, seed=5, tokenizer=engine.tokenizer).model
        adapted = peft.PeftModel.from_pretrained(make_backbone("llama", layers=LAYERS, seed=5).model,
                                                 str(out / "lora")).eval()
        pieces = build_prompt(engine.tokenizer, TYPES)
        suffix, _ = duplicated_suffix(tokenize_text(engine.tokenizer, "Call John Smith in Paris").ids, pieces)
        backend = engine.backend
        got = backend.suffix_hidden_states(backend.prepare_prefix(pieces.prefix_ids), [suffix])[0]
        ids = torch.tensor([list(pieces.prefix_ids) + suffix])
        with torch.inference_mode():
            want = adapted(input_ids=ids).last_hidden_state[0, len(pieces.prefix_ids):]
            frozen = plain(input_ids=ids).last_hidden_state[0, len(pieces.prefix_ids):]
    assert torch.allclose(got, want, atol=1e-4)
    assert not torch.allclose(got, frozen, atol=1e-3)  # the adapter changed something


def test_rerun_resumes_without_training_again(trained, monkeypatch):
    root, out = trained
    monkeypatch.setenv("JPT_REDACT_DATA", str(root / "data"))
    before = (out / "heads.safetensors").read_bytes()
    with one_torch_thread():
        train_from_config(root / "cfg.yaml")
    assert (out / "heads.safetensors").read_bytes() == before
    log = (root / "work" / "train.log").read_text()
    assert "resumed at step 4 of 4" in log


def test_group_plans_do_not_depend_on_other_sources():
    from jpt_redact.data import Example
    from jpt_redact.train.config import TrainConfig
    from jpt_redact.train.groups import LabelPool

    exs = [Example(f"text {i} about Paris", [(len(f"text {i} about "), len(f"text {i} about Paris"), "CITY")],
                   source="toy") for i in range(20)]
    cfg = TrainConfig(output_dir="x", sources=[], group_size=8)
    small = LabelPool({"CITY": ["a city"], "EMAIL": ["an email"]}, {"CITY": "location", "EMAIL": "contact"},
                      {"toy": {"CITY"}}, {"toy": set()})
    big = LabelPool({**small.defs, "GENE": ["a gene"]}, {**small.kinds, "GENE": "gene_protein"},
                    {"toy": {"CITY"}, "bio": {"GENE"}}, {"toy": set()})
    a = plan_groups(exs, small, source="toy", split="train", cfg=cfg, extra=None, per_group=None)
    b = plan_groups(exs, big, source="toy", split="train", cfg=cfg, extra=None, per_group=None)
    assert [[e.text for e in g.examples] for g in a] == [[e.text for e in g.examples] for g in b]
    assert is_dev("same text", 0.5) == is_dev("same text", 0.5)


def _second_run(root, name: str, **lora):
    cfg = yaml.safe_load((root / "cfg.yaml").read_text())
    cfg.update(output_dir=str(root / f"{name}-ckpt"), work_dir=str(root / f"{name}-work"))
    cfg["lora"].update(lora)
    (root / f"{name}.yaml").write_text(yaml.safe_dump(cfg))
    with one_torch_thread():
        return train_from_config(root / f"{name}.yaml")


def test_warm_start_lora_continues_from_a_checkpoint(trained, monkeypatch):
    from safetensors.torch import load_file

    root, out = trained
    monkeypatch.setenv("JPT_REDACT_DATA", str(root / "data"))
    # learning rates 0: what the continued run saves is exactly what it started from
    again = _second_run(root, "warm", warm_start_lora=str(out), warm_start_heads=str(out), lr=0.0, heads_lr=0.0,
                        max_steps=1)
    first, second = (load_file(str(p / "lora" / "adapter_model.safetensors")) for p in (out, again))
    assert first.keys() == second.keys()
    assert any(t.abs().sum() > 0 for k, t in first.items() if "lora_B" in k)  # a fresh adapter's B is zero
    assert all(torch.equal(first[k], second[k]) for k in first)


def test_warm_start_lora_refuses_another_shape(trained, monkeypatch):
    root, out = trained
    monkeypatch.setenv("JPT_REDACT_DATA", str(root / "data"))
    from jpt_redact.errors import ModelError

    with pytest.raises(ModelError, match="does not match"):
        _second_run(root, "mismatch", warm_start_lora=str(out), rank=2, max_steps=1)


def test_negatives_range_sets_the_prompt_size():
    from jpt_redact.data import Example
    from jpt_redact.train.config import TrainConfig
    from jpt_redact.train.groups import LabelPool

    exs = [Example(f"text {i} about Paris", [(len(f"text {i} about "), len(f"text {i} about Paris"), "CITY")],
                   source="toy") for i in range(16)]
    labels = {f"T{i}": [f"type {i}"] for i in range(40)}
    pool = LabelPool({"CITY": ["a city"], **labels}, {"CITY": "location", **{k: f"k{k}" for k in labels}},
                     {"toy": {"CITY"}, "other": set(labels)}, {"toy": set()})
    # CITY is present (it may be dropped as a label, p=0.08); the rest are negatives, capped by max_types
    for negatives, max_types, sizes in (((2, 6), 12, range(2, 8)), ((20, 20), 32, {20, 21}), ((20, 30), 24, range(20, 25))):
        cfg = TrainConfig(output_dir="x", sources=[], group_size=8, negatives=negatives, max_types=max_types)
        groups = plan_groups(exs, pool, source="toy", split="train", cfg=cfg, extra=None, per_group=None)
        assert groups and all(len(g.types) in sizes for g in groups), (negatives, [len(g.types) for g in groups])


@pytest.mark.parametrize("embed_form, at_inference", [("gist", "gist"), ("paraphrase", "as_written")])
def test_embed_form_trains_and_reaches_the_engine(tmp_path, monkeypatch, embed_form, at_inference):
    monkeypatch.setenv("JPT_REDACT_DATA", str(tmp_path / "data"))
    _train_tiny(tmp_path, max_examples=16, max_steps=2, embed_form=embed_form)
    assert json.loads((tmp_path / "ckpt" / "config.json").read_text())["embed_form"] == at_inference
    with one_torch_thread():
        engine = build_engine(str(tmp_path / "ckpt"), backbone=str(tmp_path / "backbone"))
    assert engine.embed_form == at_inference


def test_unknown_embed_form_in_a_checkpoint_is_a_model_error(trained, tmp_path):
    import shutil

    from jpt_redact.errors import ModelError
    from jpt_redact.model.checkpoint import load_checkpoint_config

    root, _ = trained
    shutil.copytree(root / "ckpt", tmp_path / "ckpt")
    cfg = json.loads((tmp_path / "ckpt" / "config.json").read_text())
    (tmp_path / "ckpt" / "config.json").write_text(json.dumps({**cfg, "embed_form": "summary"}))
    with pytest.raises(ModelError, match="embed_form"):
        load_checkpoint_config(tmp_path / "ckpt")


@pytest.mark.parametrize("prob, seed, kept, targets", [
    (0.0, 0, [0, 1, 2, 3], [0, 1, 1, 0, 3, 3, 4, 0]),        # off: unchanged
    (0.5, 1, [1, 2, 3], [0, 0, 0, 0, 2, 2, 3, 0]),           # type 1 goes, its spans become O, indices close up
    (0.5, 3, [1, 2], [0, 0, 0, 0, 2, 2, 0, 0]),              # types 1 and 4 go; 2 (no spans) always stays
    (0.99, 0, [1], [0, 0, 0, 0, 0, 0, 0, 0]),                # every present type goes; 2 (no spans) stays
])
def test_drop_types_leaves_present_types_out_and_relabels_them_o(prob, seed, kept, targets):
    import random

    from jpt_redact.train.lora_training import drop_types

    emb = torch.arange(12.0).view(4, 3)  # 4 types, row j = type j + 1
    y = torch.tensor([0, 1, 1, 0, 3, 3, 4, 0])
    out_emb, out_y = drop_types(emb, y, prob, random.Random(seed))
    assert out_emb[:, 0].div(3).long().tolist() == kept and out_y.tolist() == targets


def test_drop_types_keeps_one_type_when_all_would_go():
    import random

    from jpt_redact.train.lora_training import drop_types

    emb, y = torch.ones(2, 3), torch.tensor([1, 2, 0])
    out_emb, out_y = drop_types(emb, y, 0.999, random.Random(0))
    assert out_emb.shape[0] == 1 and out_y.tolist() == [1, 0, 0]  # the first present type stays


def test_drop_type_prob_trains_end_to_end(tmp_path, monkeypatch):
    monkeypatch.setenv("JPT_REDACT_DATA", str(tmp_path / "data"))
    out = _train_tiny(tmp_path, drop_type_prob=0.5)
    summary = json.loads((tmp_path / "work" / "summary.json").read_text())
    assert (out / "config.json").exists() and summary["history"][-1]["step"] == 4
