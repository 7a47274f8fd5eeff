"""Service configuration: one validated object from a YAML/JSON file, CLI options on top.

    policy: hipaa
    host: 127.0.0.1
    port: 8080
    batching: {max_batch: 32, max_wait_ms: 5, queue_size: 256}
    upstream: {base_url: https://llm.internal/v1, api_key_env: LLM_API_KEY}
    auth: {token_env: JPT_REDACT_SERVICE_TOKEN}

`engine_factory: "module:function"` is the way to plug a custom engine (a different model,
a remote one, a fake for tests): the server calls `function(policy, **engine_options)` once
per worker process and passes the result to `Redactor.from_policy(policy, engine=...)`.
Unknown fields are errors (PolicyError naming the field), as in policies.
"""
from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import PolicyError

CONFIG_ENV = "JPT_REDACT_SERVICE_CONFIG"  # how `serve` hands the config to worker processes
MB = 1024 * 1024


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BatchingConfig(_Strict):
    enabled: bool = Field(True, description="Collect concurrent requests into one model call.")
    max_batch: int = Field(32, ge=1, le=4096, description="Texts per model call at most.")
    max_wait_ms: float = Field(5.0, ge=0, le=10_000, description="How long the first request of a batch waits for company.")
    queue_size: int = Field(256, ge=1, le=1_000_000, description="Requests waiting at most; more are answered 429.")


class LimitsConfig(_Strict):
    max_body_bytes: int = Field(2 * MB, ge=1024, description="Larger request bodies are answered 413.")
    request_timeout_s: float = Field(30.0, gt=0, description="A request not redacted by then is answered 503.")
    graceful_shutdown_s: int = Field(30, ge=0, description="How long shutdown waits for requests in flight.")


class AuthConfig(_Strict):
    token_env: str | None = Field(None, description="Environment variable holding the bearer token.")
    token_file: str | None = Field(None, description="File holding the bearer token (one line).")
    public_paths: tuple[str, ...] = Field(("/health",), description="Paths served without a token.")


class UpstreamConfig(_Strict):
    base_url: str = Field(description="OpenAI-compatible base URL, e.g. https://api.openai.com/v1.")
    timeout_s: float = Field(120.0, gt=0, description="Timeout of one upstream call (connect and each read).")
    api_key_env: str | None = Field(None, description="Variable holding the upstream API key; sent as a bearer token.")
    forward_headers: tuple[str, ...] = Field(
        ("accept", "openai-organization", "openai-project"),
        description="Request headers passed upstream (besides content-type); all others are dropped.",
    )

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class StreamConfig(_Strict):
    window_chars: int = Field(256, ge=16, le=65_536, description="Held-back text that forces a flush.")
    holdback_chars: int = Field(64, ge=16, le=16_384,
                                description="Tail never released before more text or the end: at least the longest value.")
    lookahead_chars: int = Field(24, ge=0, le=16_384, description="Text needed after a sentence end to flush there.")

    @model_validator(mode="after")
    def _holdback_inside_window(self) -> "StreamConfig":
        if self.holdback_chars >= self.window_chars:
            raise ValueError("holdback_chars must be smaller than window_chars")
        return self


class ServiceConfig(_Strict):
    policy: str = Field("default", description="Built-in policy name or policy YAML path.")
    host: str = Field("127.0.0.1", description="Interface to bind.")
    port: int = Field(8080, ge=0, le=65_535, description="TCP port.")
    workers: int = Field(1, ge=1, le=256, description="Worker processes (each loads the model once).")
    use_model: bool = Field(True, description="False: patterns, checksums and lists only.")
    engine_factory: str | None = Field(None, description="'module:function' building the engine from the policy.")
    engine_options: dict[str, Any] = Field(default_factory=dict, description="Keyword arguments of engine_factory.")
    on_error: Literal["raise", "redact_all"] | None = Field(None, description="Override of the policy's defaults.on_error.")
    audit_path: str | None = Field(None, description="Append one chained audit record per redacted text.")
    warmup: bool = Field(True, description="Load the model and run one text at start-up.")
    reidentify: bool = Field(False, description="Allow callers to ask for their own values back in proxy answers.")
    batching: BatchingConfig = Field(default_factory=BatchingConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    auth: AuthConfig | None = Field(None, description="Bearer-token auth; unset: no auth.")
    upstream: UpstreamConfig | None = Field(None, description="The LLM behind the proxy routes; unset: they answer 503.")
    stream: StreamConfig = Field(default_factory=StreamConfig)

    @field_validator("engine_factory")
    @classmethod
    def _factory(cls, v: str | None) -> str | None:
        if v is not None and (v.count(":") != 1 or not all(v.split(":"))):
            raise ValueError("must be 'module:function'")
        return v

    def to_env(self) -> str:
        return self.model_dump_json()


def load_service_config(path: str | Path | None = None, **overrides: Any) -> ServiceConfig:
    """The file's settings (YAML or JSON), then `overrides` that are not None on top."""
    data: dict[str, Any] = {}
    source = str(path) if path is not None else "<options>"
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"cannot read service config: {exc.strerror}", path=source) from None
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError:
            raise PolicyError("service config is not valid YAML", path=source) from None
        if not isinstance(loaded, dict):
            raise PolicyError("a service config must be a mapping", path=source)
        data = loaded
    data.update({k: v for k, v in overrides.items() if v is not None})
    return validate_config(data, source)


def validate_config(data: dict[str, Any], source: str = "<config>") -> ServiceConfig:
    try:
        return ServiceConfig.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or None
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        raise PolicyError(msg, path=source, field=field) from None


def config_from_env() -> ServiceConfig:
    raw = os.environ.get(CONFIG_ENV)
    if not raw:
        return ServiceConfig()
    return validate_config(json.loads(raw), CONFIG_ENV)


def import_factory(spec: str) -> Callable[..., Any]:
    module, _, attr = spec.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise PolicyError(f"engine_factory {spec!r} cannot be imported ({type(exc).__name__})") from None
    if not callable(obj):
        raise PolicyError(f"engine_factory {spec!r} is not callable")
    return obj
