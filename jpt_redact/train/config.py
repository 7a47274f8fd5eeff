"""Training configuration (YAML, pydantic, extra keys are errors)."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DataError


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    corpus: str = Field(description="'synth' or a corpus name registered in jpt_redact.train.corpora.")
    max_examples: int = Field(description="Examples taken from this source (randomly, with the run seed).")
    feature_minutes: float | None = Field(
        None, description="Stop this source's feature extraction after this long; train on what was written.")
    exclude_domains: list[str] = Field(
        default_factory=list, description="Examples whose meta 'domain' is listed are never used (zero-shot hold-out).")


class LoraSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    top_layers: int = Field(4, description="LoRA on the top K kept layers; the layers below run once and are cached.")
    rank: int = Field(16, description="LoRA rank r.")
    alpha: float = Field(32, description="LoRA alpha (scale alpha/r).")
    dropout: float = Field(0.05, description="LoRA dropout.")
    modules: list[str] = Field(["q_proj", "k_proj", "v_proj", "o_proj"],
                               description="Linear modules of each top layer that get adapters (attention; MLP optional).")
    lr: float = Field(2e-4, description="Learning rate of the adapters.")
    heads_lr: float = Field(5e-4, description="Learning rate of the heads.")
    examples_per_step: int = Field(8, description="Examples of one group per optimizer step (they share its prefix).")
    epochs: int = Field(1, description="Passes over the cached training groups.")
    max_steps: int | None = Field(None, description="Stop (and anneal the schedule) after this many steps.")
    warm_start_heads: str | None = Field(
        None, description="Checkpoint whose heads initialise training (same backbone and layer), e.g. 'default'.")
    warm_start_lora: str | None = Field(
        None, description="Checkpoint whose LoRA adapter initialises training (same backbone, layer, rank, "
                          "modules and top layers), e.g. 'default': continue from the shipped model.")
    save_every: int = Field(25, description="Steps between resumable state saves.")
    log_every: int = Field(10, description="Steps between log lines.")
    cache_minutes: float | None = Field(None, description="Time budget of the lower-layer cache per source (train part).")
    embed_form: Literal["as_written", "gist", "paraphrase"] = Field(
        "as_written", description="What the definition encoder embeds of each definition: the text as written, "
        "its gist (first sentence without examples or exclusions; model/definition_forms.py; the checkpoint "
        "then embeds gists at inference too), or a paraphrase of the same label drawn apart from the prompt's "
        "(the shortest half of the time; inference embeds a policy's `definition` as written, its "
        "`prompt_definition` in the prompt). The prompt always shows the definition as written.")
    drop_type_prob: float = Field(
        0.0, ge=0, lt=1,
        description="Per step, each type with spans in the step's examples is left out of the heads' type list "
        "with this probability and its spans become O (at least one type stays). The cached prefix still "
        "shows its definition: what is taught is that a span the given types do not describe is O, which "
        "the group-level label dropping at cache time (8%) teaches rarely. 0 = off.")


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    output_dir: str = Field(description="Checkpoint directory written at the end (and on every epoch).")
    work_dir: str = Field("runs/default", description="Features, logs and resumable state.")
    backbone: str | None = Field(None, description="Backbone path; the default SmolLM2 GGUF if unset.")
    encoder: str | None = Field(None, description="Definition encoder path; all-MiniLM-L6-v2 if unset.")
    layers: list[int] = Field([20], description="Candidate layers; features of all are stored, the best on dev is kept.")
    sources: list[SourceSpec] = Field(description="Training sources.")
    policies_as_definitions: list[str] = Field(
        default_factory=list, description="Policies whose definitions join the paraphrase pool of their labels.")
    seed: int = 13
    group_size: int = 8
    groups_per_shard: int = Field(4, description="Feature shard size: the unit of resuming and of time budgets.")
    max_types: int = Field(12, description="Most types in one group's prompt (present plus negative).")
    negatives: tuple[int, int] = Field(
        (2, 6), description="Range of absent (negative) types added to each group's type set; a wide range "
                            "trains prompts as long as the policies' (20-25 types).")
    max_tokens: int = Field(192, description="Text tokens per training example (longer ones are cut).")
    dev_fraction: float = Field(0.06, description="Share of groups held out to pick layer, epochs and threshold.")
    epochs: int = 10
    select_epochs: int = Field(3, description="Epochs per candidate layer during layer selection.")
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.05
    groups_per_step: int = 4
    o_weight: float = Field(0.25, description="Cross-entropy weight of the O class (Appendix A.2).")
    focal_gamma: float = 2.5
    focal_pos_weight: float = 5.0
    dropout: float = 0.1
    precision: Literal["auto", "fp32", "bf16"] = Field(
        "auto", description="LoRA runs: bf16 autocast for the frozen cache pass and the trained top layers "
                            "(weights and optimizer stay fp32). auto: bf16 where the CPU has AMX or AVX512-BF16 "
                            "(emulated, slower elsewhere), fp32 otherwise.")
    lora: LoraSpec | None = Field(None, description="Train LoRA on the top layers (plus heads) instead of heads only.")
    holdout_corpora: list[str] = Field(
        default_factory=list,
        description="Corpora never trained on and never used as negative types: the zero-shot measurement set.")


def load_train_config(path: str | Path) -> TrainConfig:
    try:
        data = yaml.safe_load(Path(path).read_text())
        return TrainConfig.model_validate(data)
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror})") from None
    except (yaml.YAMLError, ValidationError) as exc:
        first = str(exc).splitlines()[:3]
        raise DataError(f"{path}: invalid training config: {' '.join(first)}") from None
