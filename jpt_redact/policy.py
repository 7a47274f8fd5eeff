"""Policies: which PII types to find (as JPT definitions) and what to do with each.

A policy is data only. It is loaded from YAML with line-numbered errors, validated by
pydantic (extra keys are errors), and never modified after loading.

Plugins are named by open strings: an action's operator, a type's recognizers and the model's
backend are checked against their registries (jpt_redact.registry) here, so a name that is
not installed fails with the file and line of its use, while a third-party plugin is accepted
exactly like a built-in. Whether the named plugins accept their parameters is checked when a
Redactor is built from the policy (`jpt_redact.redactor.validate_policy`).

Loading is hardened against hostile files: YAML aliases of lists and mappings are refused (an
alias bomb expands a few lines into gigabytes; an alias of one string is allowed), nesting deeper than MAX_DEPTH and files larger than
MAX_POLICY_BYTES are PolicyErrors, and a bare name ('hipaa', 'default') is always a built-in
(a file called `default` in the working directory does not shadow it: write ./default).
Regular expressions must compile in the `regex` module that runs them (jpt_redact.safe_regex);
`lint_policy` lists the ones with nested quantifiers for `jpt-redact policy validate`.
"""
from __future__ import annotations

import hashlib
import json
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator,
                      model_validator)

from . import registry, safe_regex, validators
from .errors import PolicyError

# Entity labels, as written in policies, findings and [ENC:<label>:...] tokens.
LABEL_PATTERN = r"[A-Z][A-Z0-9_]{0,63}"
AUTO_BACKEND = "auto"
OnnxPrecision = Literal["auto", "fp32", "int8"]
ONNX_PRECISIONS: tuple[str, ...] = get_args(OnnxPrecision)
# A policy names the variable that holds its key; only this namespace may be named, so a policy
# cannot turn keyed hashes, pseudonyms and audit MACs into public values (`hash_key_env: HOME`).
KEY_ENV_PATTERN = r"JPT_REDACT_[A-Z0-9_]*"
MAX_POLICY_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 32


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regex(value: str, field: str) -> str:
    try:
        safe_regex.check_syntax(value)
    except ValueError as exc:
        raise ValueError(f"{field} does not compile: {exc}") from None
    return value


class PatternSpec(_Strict):
    """A regular expression that proposes spans for one type, optionally checked by a validator."""

    name: str = Field(description="Name shown in findings and audit records, e.g. 'us_ssn_dashed'.")
    regex: str = Field(description="Python regular expression; the whole match (or group 'value') is the span.")
    score: float = Field(0.85, ge=0, le=1, description="Score given to a match that passes validation.")
    validator: str | None = Field(
        None,
        description="Checksum validator: 'luhn', 'iban', 'phone', or 'stdnum:<module>' (any python-stdnum module, e.g. 'stdnum:us.ssn').",
    )
    ignore_case: bool = Field(False, description="Match case-insensitively.")

    @field_validator("validator")
    @classmethod
    def _known_validator(cls, v: str | None) -> str | None:
        return v if v is None else validators.check_name(v)

    @field_validator("regex")
    @classmethod
    def _compiles(cls, v: str) -> str:
        return _check_regex(v, "regex")


class ActionSpec(_Strict):
    """An action with its parameters, e.g. {type: mask, keep_last: 4}."""

    type: str = Field(description="Operator to apply: a built-in (mask, replace, redact, hash, pseudonymize, "
                      "encrypt, keep) or an installed operator plugin (see `jpt-redact plugins`).")
    params: dict[str, Any] = Field(default_factory=dict, description="Operator parameters (see docs/operators.md).")

    @field_validator("type")
    @classmethod
    def _installed(cls, v: str) -> str:
        return registry.operators.check_name(v)


def _coerce_action(v: Any) -> Any:
    # YAML shorthand: `action: mask` or `action: {mask: {keep_last: 4}}` or `action: {type: mask, ...}`
    if isinstance(v, str):
        return {"type": v}
    if isinstance(v, dict) and "type" not in v and len(v) == 1:
        (name, params), = v.items()
        return {"type": name, "params": params or {}}
    if isinstance(v, dict) and "type" in v and "params" not in v:
        rest = {k: val for k, val in v.items() if k != "type"}
        return {"type": v["type"], "params": rest}
    return v


def _check_label(label: str) -> str:
    if not re.fullmatch(LABEL_PATTERN, label):
        raise ValueError(f"label {label!r} must be UPPER_SNAKE_CASE (e.g. PERSON, US_SSN)")
    return label


# Checked as a dict key, so errors point at the offending label's line, not at 'entities:'.
Label = Annotated[str, AfterValidator(_check_label)]


class ValueSpec(_Strict):
    """How one value of a type reads as a whole (jpt_redact/whole_values.py, jpt_redact/linking.py)."""

    joiners: str = Field(
        "",
        description="Characters besides letters and digits that can sit inside one value of this type "
        "('_-.@+/&' for secrets, \"'-\" for names). A model span is extended to the whole run of letters, "
        "digits and these characters around it, and fragments of one run are merged into one finding.",
    )
    opaque: bool = Field(
        False,
        description="A secret (key, token, password): one unit that wins over any finding inside it; "
        "sentence punctuation at its end is kept.",
    )
    not_followed_by: str | None = Field(
        None,
        description="Regular expression matched right after a model span of this type (re.match); a model "
        "span it matches is dropped ('90' before '% stenosis' is no DATE).",
    )
    not_matching: str | None = Field(
        None,
        description="Regular expression a model span of this type must not match as a whole (re.fullmatch); "
        "a model span it matches is dropped ('weeks' and '2 weeks' are durations, no DATE).",
    )
    link: Literal["person", "organization", "place"] | None = Field(
        None,
        description="Mention linking: values of this type naming one person, organisation or place share one "
        "placeholder number or pseudonym ('Aisha Rahman', 'Aisha', 'Ms. Rahman').",
    )
    continued_by: list[Label] = Field(
        default_factory=list,
        description="Labels whose findings continue a value of this type when only spaces, one comma and at "
        "most one line break lie between: an address's town and country ('12 Rue de Rivoli,\\n75001 Paris, "
        "France' is one STREET_ADDRESS). The whole value keeps this type's label.",
    )
    continued_by_pattern: str | None = Field(
        None,
        description="Regular expression (re.match after such a separator) for text no finding covers that "
        "continues a value of this type like a `continued_by` finding: a postcode between street and town.",
    )

    @field_validator("not_followed_by", "not_matching", "continued_by_pattern")
    @classmethod
    def _compiles(cls, v: str | None, info: ValidationInfo) -> str | None:
        return v if v is None else _check_regex(v, info.field_name)


class Definition(str):
    """A type's definition (the text the definition encoder embeds) carrying the shorter form
    the prompt shows (`prompt`). A str, so engines and tools that know only {label: definition}
    keep working and embed the full text; the prompt is where the tokens cost time (every
    prefix token is attended by every text token), the embedding costs nothing per document."""

    prompt: str

    def __new__(cls, text: str, prompt: str | None = None) -> "Definition":
        obj = super().__new__(cls, text)
        obj.prompt = prompt or str(text)
        return obj

    def __getnewargs__(self) -> tuple[str, str]:  # pickling (batch workers) keeps the prompt form
        return str(self), self.prompt



class EntityType(_Strict):
    """One PII type of the policy."""

    definition: str = Field(
        min_length=10,
        description="Natural-language definition read by the JPT model: what counts, what does not, examples, boundary cases.",
    )
    prompt_definition: str | None = Field(
        None,
        min_length=3,
        description="Shorter form of the definition shown in the model's prompt, while the definition encoder "
        "still embeds `definition` in full. Every prompt token is attended by every text token, so a shorter "
        "prompt is faster; the cost in detection quality is measured in docs/benchmarks.md (prompt channel).",
    )
    action: ActionSpec | None = Field(None, description="What to do with findings of this type; defaults.action if unset.")
    threshold: float | None = Field(None, gt=0, lt=1, description="Minimum model score for this type; defaults.threshold if unset.")
    model: bool = Field(True, description="Whether the JPT model looks for this type (set false for pattern-only types).")
    model_requires: str | None = Field(
        None,
        description="Regular expression a model span of this type must contain (re.search) to be kept, for types "
        "with a fixed shape: an IP address has dots or colons, a phone number at least 7 digits. "
        "Pattern, checksum and deny-list spans are not checked.",
    )
    recognizers: list[str] = Field(
        default_factory=list,
        description="Names of registered pattern/checksum recognizers that also propose this type (see `jpt-redact plugins`).",
    )
    patterns: list[PatternSpec] = Field(default_factory=list, description="Extra regular expressions for this type.")
    allow_list: list[str] = Field(default_factory=list, description="Values never reported for this type (exact match, case-insensitive).")
    deny_list: list[str] = Field(default_factory=list, description="Values always reported for this type (whole-word, case-insensitive).")
    presidio_entity: str | None = Field(None, description="Presidio entity name for this type, e.g. PERSON, US_SSN.")
    priority: int = Field(0, description="Tie-breaker when spans of different types overlap: higher wins.")
    value: ValueSpec = Field(default_factory=ValueSpec, description="How a value reads as a whole: joiners, "
                             "secrets, context checks, mention linking (docs/policies.md).")

    @field_validator("action", mode="before")
    @classmethod
    def _action(cls, v: Any) -> Any:
        return _coerce_action(v) if v is not None else v

    @field_validator("model_requires")
    @classmethod
    def _requires_compiles(cls, v: str | None) -> str | None:
        return v if v is None else _check_regex(v, "model_requires")

    @field_validator("recognizers")
    @classmethod
    def _installed(cls, v: list[str]) -> list[str]:
        return [registry.recognizers.check_name(name) for name in v]


class Defaults(_Strict):
    action: ActionSpec = Field(default_factory=lambda: ActionSpec(type="replace"), description="Action for types that set none.")
    threshold: float = Field(0.5, gt=0, lt=1, description="Model score threshold for types that set none.")
    on_error: Literal["raise", "redact_all"] = Field(
        "raise", description="Fail-closed behaviour when detection fails: raise, or replace the whole document."
    )

    @field_validator("action", mode="before")
    @classmethod
    def _action(cls, v: Any) -> Any:
        return _coerce_action(v)


class ModelSettings(_Strict):
    checkpoint: str | None = Field(None, description="Checkpoint directory; the shipped default model if unset.")
    backbone: str | None = Field(None, description="Backbone override: a Hugging Face model directory or a .gguf file.")
    encoder: str | None = Field(None, description="Definition encoder override: a sentence-transformers model directory.")
    backend: str = Field(
        AUTO_BACKEND,
        description="Runtime backend: 'auto' (see docs/backends.md), or an installed backend by name: torch, onnx, "
        "onnx-cpu, onnx-cuda, onnx-tensorrt, numpy or a backend plugin (see `jpt-redact plugins`).",
    )
    onnx_precision: OnnxPrecision = Field(
        "auto", description="ONNX backends: 'fp32', 'int8' (an `export-onnx --int8` model), or 'auto' (= fp32).")
    onnx_dir: str | None = Field(
        None, description="ONNX backends: a directory written by `jpt-redact export-onnx -o`, used instead of the "
        "cache (checked against the model); unset: the cache.")
    backend_options: dict[str, str | int | float | bool] = Field(
        default_factory=dict,
        description="Further backend-specific settings, passed to the backend as they are (onnx: threads, "
        "attention_mb, spin; a plugin's own).",
    )
    window_tokens: int = Field(256, ge=16, le=8192, description="Tokens of text per window (the text is read twice per window).")
    window_overlap: int = Field(32, ge=0, le=1024, description="Tokens shared by consecutive windows.")
    batch_size: int = Field(8, ge=1, le=256, description="Windows per forward pass.")
    nested: bool = Field(False, description="Also report overlapping types above threshold from the sigmoid head.")
    span_extension: float = Field(
        1.0, gt=0, le=1,
        description="Hysteresis: a model span extends over neighbouring tokens whose score for its type is at least "
        "this fraction of the type's threshold (the house number before a street name); 1 turns it off. Types with "
        "their own recognizers or patterns never grow.",
    )

    @field_validator("backend")
    @classmethod
    def _installed(cls, v: str) -> str:
        return v if v == AUTO_BACKEND else registry.backends.check_name(v)

    @field_validator("backend_options")
    @classmethod
    def _not_named_here(cls, v: dict[str, Any]) -> dict[str, Any]:
        for key, field in (("precision", "onnx_precision"), ("onnx_dir", "onnx_dir")):
            if key in v:
                raise ValueError(f"set {key!r} with model.{field}, not in backend_options")
        return v

    def backend_spec_options(self) -> dict[str, Any]:
        """BackendSpec.options for these settings (what the backends read)."""
        options: dict[str, Any] = {**self.backend_options, "precision": self.onnx_precision}
        if self.onnx_dir is not None:
            options["onnx_dir"] = self.onnx_dir
        return options

    @model_validator(mode="after")
    def _overlap_smaller(self) -> "ModelSettings":
        if self.window_overlap >= self.window_tokens // 2:
            raise ValueError("window_overlap must be less than half of window_tokens")
        return self


class AuditSettings(_Strict):
    enabled: bool = Field(False, description="Write an audit record per document (also enabled by --audit PATH).")
    path: str | None = Field(None, description="Audit log path (JSONL).")
    hash_key_env: str = Field("JPT_REDACT_KEY", description="Environment variable holding the key for keyed value "
                              "hashes, pseudonyms, encryption and audit MACs; must start with JPT_REDACT_.")

    @field_validator("hash_key_env")
    @classmethod
    def _our_namespace(cls, v: str) -> str:
        if not re.fullmatch(KEY_ENV_PATTERN, v):
            raise ValueError("must name a JPT_REDACT_* variable (e.g. JPT_REDACT_KEY): any other variable may hold "
                             "a public value, which would make keyed hashes, pseudonyms and audit MACs public")
        return v


class Policy(_Strict):
    name: str = Field(description="Policy name, recorded in audit logs.")
    version: str = Field("1", description="Policy version, recorded in audit logs.")
    description: str = Field("", description="What the policy is for.")
    language: str = Field("en", description="ISO 639-1 language code of the texts.")
    model: ModelSettings = Field(default_factory=ModelSettings, description="Model and runtime settings.")
    defaults: Defaults = Field(default_factory=Defaults, description="Defaults for entity types.")
    entities: dict[Label, EntityType] = Field(description="PII types keyed by label (UPPER_SNAKE_CASE).")
    audit: AuditSettings = Field(default_factory=AuditSettings, description="Audit log settings.")
    source: str | None = Field(None, exclude=True, description="Where the policy was loaded from (set by the loader).")

    @field_validator("entities")
    @classmethod
    def _labels(cls, v: dict[str, EntityType]) -> dict[str, EntityType]:
        if not v:
            raise ValueError("a policy needs at least one entity type")
        for label, et in v.items():
            unknown = [c for c in et.value.continued_by if c not in v]
            if unknown:
                raise ValueError(f"{label}.value.continued_by names {', '.join(unknown)}, not a type of this policy")
        return v

    # -- derived views -------------------------------------------------------------------
    def action_for(self, label: str) -> ActionSpec:
        et = self.entities.get(label)
        return (et.action if et and et.action else None) or self.defaults.action

    def threshold_for(self, label: str) -> float:
        et = self.entities.get(label)
        return et.threshold if et and et.threshold is not None else self.defaults.threshold

    def span_extension_for(self, label: str) -> float:
        """The model's span extension for a type: off (1.0) for types with their own pattern
        recognizers, whose boundaries come exact from the pattern; growing their model spans
        would only add the cue words around the value ('mail', 'call')."""
        et = self.entities.get(label)
        if et is None or et.recognizers or et.patterns:
            return 1.0
        return self.model.span_extension

    def model_types(self) -> dict[str, str]:
        """Label -> definition for the types the JPT model reads (a `Definition` carrying the
        prompt form where the type sets `prompt_definition`)."""
        return {k: Definition(e.definition, e.prompt_definition) if e.prompt_definition else e.definition
                for k, e in self.entities.items() if e.model}

    def with_model(self, **updates: Any) -> "Policy":
        """A copy with some ModelSettings fields changed, validated like a loaded policy
        (PolicyError naming the field), e.g. `policy.with_model(backend="onnx-cuda")`."""
        data = {**self.model.model_dump(), **updates}
        try:
            model = ModelSettings.model_validate(data)
        except ValidationError as exc:
            raise _policy_error(exc, self.source or self.name, prefix=("model",)) from None
        return self.model_copy(update={"model": model})

    @property
    def content_hash(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(payload).hexdigest()


# -- loading ---------------------------------------------------------------------------------
def _builtin_names() -> tuple[str, ...]:
    names = sorted(p.name.removesuffix(".yaml") for p in resources.files("jpt_redact.policies").iterdir()
                   if p.name.endswith(".yaml"))
    return tuple(sorted(names, key=lambda n: n != "default"))  # the default first


# The YAML files shipped in policies/ (the package jpt_redact.policies), "default" first.
BUILTIN_POLICIES = _builtin_names()


def builtin_policy_path(name: str) -> Path | None:
    ref = resources.files("jpt_redact.policies").joinpath(f"{name}.yaml")
    return Path(str(ref)) if ref.is_file() else None


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """Walk the YAML node tree along a pydantic error location to find its line."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            nxt = None
            for k, v in node.value:
                if k.value == part:
                    nxt = v
                    line = k.start_mark.line + 1
                    break
            node = nxt
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


class _NoAliasLoader(yaml.SafeLoader):
    """safe_load without aliases of lists or mappings: `*name` for a collection (and so
    `<<: *name`) is an error at its line. That is what an alias bomb is made of (each level
    a list of aliases of the level below); an alias of a scalar (one shared regex) is allowed:
    it refers to one string and cannot multiply."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            target = self.anchors.get(event.anchor)
            if target is not None and not isinstance(target, yaml.ScalarNode):
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) of lists or mappings are not allowed in policies", event.start_mark)
        return super().compose_node(parent, index)


def _too_deep(data: Any) -> bool:
    stack = [(data, 1)]
    while stack:
        obj, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        if isinstance(obj, dict):
            stack.extend((v, depth + 1) for v in obj.values())
        elif isinstance(obj, list):
            stack.extend((v, depth + 1) for v in obj)
    return False


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    if len(text) > MAX_POLICY_BYTES:
        raise PolicyError(f"larger than {MAX_POLICY_BYTES // (1024 * 1024)} MiB; not a policy", path=source)
    try:
        loader = _NoAliasLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise PolicyError(f"invalid YAML: {problem}", path=source, line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise PolicyError(f"nested too deeply (more than {MAX_DEPTH} levels)", path=source) from None
    if not isinstance(data, dict):
        raise PolicyError("a policy must be a YAML mapping with at least 'name' and 'entities'", path=source)
    if _too_deep(data):
        raise PolicyError(f"nested too deeply (more than {MAX_DEPTH} levels)", path=source)
    try:
        return Policy.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise _policy_error(exc, source, node=node) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps pydantic well inside the limit
        raise PolicyError("nested too deeply", path=source) from None


def _policy_error(exc: ValidationError, source: str, *, node: yaml.Node | None = None,
                  prefix: tuple = ()) -> PolicyError:
    """The first validation error as a PolicyError naming the field (and its line, given the YAML)."""
    err = exc.errors()[0]
    loc = prefix + tuple(p for p in err["loc"] if not (isinstance(p, str) and (p.startswith("function-") or p == "[key]")))
    field = ".".join(str(p) for p in loc) or None
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; see `jpt-redact policy schema`)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    more = len(exc.errors()) - 1
    if more:
        msg += f" (and {more} more error{'s' if more > 1 else ''})"
    return PolicyError(msg, path=source, line=_line_of(node, loc) if node is not None else None, field=field)


def is_bare_name(ref: str) -> bool:
    """A reference with no directory separator and no extension: a built-in policy's name."""
    return not any(sep in ref for sep in ("/", "\\", ":")) and not Path(ref).suffix and ref not in ("", ".", "..")


def load_policy(ref: "str | Path | Policy") -> Policy:
    """Load a policy by built-in name ('hipaa'), or from a YAML path. A bare name (no separator,
    no extension) is always a built-in, never a file in the working directory; a path needs a
    separator or an extension (./default, policies/mine.yaml, mine.yaml)."""
    if isinstance(ref, Policy):
        return ref
    ref_s = str(ref)
    if isinstance(ref, str) and is_bare_name(ref_s):
        path = builtin_policy_path(ref_s)
        if path is None:
            raise PolicyError(f"no built-in policy of that name (built-ins: {', '.join(BUILTIN_POLICIES)}); "
                              f"a policy file needs a directory or an extension, e.g. ./{ref_s} or {ref_s}.yaml",
                              path=ref_s)
    else:
        path = Path(ref_s)
        if not path.exists():
            # 'hipaa.yaml' with no such file here still means the built-in (never the other way round)
            builtin = builtin_policy_path(ref_s.removesuffix(".yaml")) if is_bare_name(ref_s.removesuffix(".yaml")) else None
            if builtin is None:
                raise PolicyError(f"no such policy file (built-in policies are named without a path or extension: "
                                  f"{', '.join(BUILTIN_POLICIES)})", path=ref_s)
            path = builtin
        if path.is_dir():
            raise PolicyError("cannot read: is a directory, not a policy file", path=ref_s)
    try:
        with open(path, "rb") as fh:  # bounded: a FIFO or /dev/zero must not be read forever
            raw = fh.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise PolicyError(f"cannot read: {exc.strerror}", path=ref_s) from None
    if len(raw) > MAX_POLICY_BYTES:
        raise PolicyError(f"larger than {MAX_POLICY_BYTES // (1024 * 1024)} MiB; not a policy", path=ref_s)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PolicyError(f"not UTF-8 (byte offset {exc.start})", path=ref_s) from None
    return parse_policy(text, source=str(path))


def lint_policy(policy: Policy) -> list[str]:
    """Problems with the policy's own regular expressions that loading accepts (they compile)
    but that may take exponential time on a near miss: nested quantifiers
    (safe_regex.nested_quantifiers). `jpt-redact policy validate` fails on them; at run time
    every regex is time-limited anyway. Messages name the file, line and field."""
    node = None
    if policy.source and Path(policy.source).is_file():
        try:
            node = yaml.compose(Path(policy.source).read_text(encoding="utf-8"), Loader=_NoAliasLoader)
        except (OSError, yaml.YAMLError, RecursionError):
            node = None
    found = []
    for label, entity in policy.entities.items():
        checks = [(("entities", label, "model_requires"), entity.model_requires)]
        checks += [(("entities", label, "patterns", i, "regex"), p.regex) for i, p in enumerate(entity.patterns)]
        for loc, pattern in checks:
            for why in safe_regex.nested_quantifiers(pattern) if pattern else ():
                where = policy.source or policy.name
                line = _line_of(node, loc) if node is not None else None
                found.append(str(PolicyError(why, path=where, line=line, field=".".join(map(str, loc)))))
    return found


def policy_json_schema() -> dict:
    return Policy.model_json_schema()


if __name__ == "__main__":  # python -m jpt_redact.policy > docs/policy.schema.json
    print(json.dumps(policy_json_schema(), indent=2, ensure_ascii=False))
