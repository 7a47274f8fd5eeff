"""`jpt-redact serve`: run the redaction service (jpt_redact/service) under uvicorn.

Options override the config file's fields. The policy is loaded here first, so a bad policy
or config fails with its one-line error and exit code before any server starts; each worker
process then loads it (and the model) once, at start-up.
"""
from __future__ import annotations

import ipaddress
import os
import signal

import click


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command("serve")
@click.option("-p", "--policy", "policy_ref", default=None, metavar="NAME|PATH",
              help="Built-in policy name or policy YAML file (default: the config's, else 'default').")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Service config (YAML or JSON); see docs/gateway.md.")
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="TCP port (default 8080).")
@click.option("--workers", type=int, default=None, help="Worker processes; each loads the model once (default 1).")
@click.option("--upstream", "upstream_url", default=None, metavar="URL",
              help="OpenAI-compatible base URL for the proxy routes, e.g. https://api.openai.com/v1.")
@click.option("--max-batch", type=int, default=None, help="Texts per model call at most (default 32).")
@click.option("--max-wait-ms", type=float, default=None, help="How long a request waits for company (default 5).")
@click.option("--no-batching", is_flag=True, help="One model call per request.")
@click.option("--no-model", is_flag=True, help="Patterns, checksums and lists only.")
@click.option("--audit", "audit_path", default=None, metavar="PATH", help="Append an audit record per redacted text.")
def serve_command(policy_ref, config_path, host, port, workers, upstream_url, max_batch, max_wait_ms, no_batching,
                  no_model, audit_path) -> None:
    """Serve Presidio's analyzer/anonymizer API, /v1/redact and a redacting LLM proxy."""
    from ..policy import load_policy
    from ..service.config import CONFIG_ENV, load_service_config, validate_config

    base = load_service_config(config_path) if config_path else None
    data = base.model_dump() if base is not None else {}
    top = {"policy": policy_ref, "host": host, "port": port, "workers": workers, "audit_path": audit_path}
    data.update({k: v for k, v in top.items() if v is not None})
    if no_model:
        data["use_model"] = False
    batching = dict(data.get("batching") or {})
    batching.update({k: v for k, v in (("max_batch", max_batch), ("max_wait_ms", max_wait_ms)) if v is not None})
    if no_batching:
        batching["enabled"] = False
    data["batching"] = batching
    if upstream_url:
        data["upstream"] = {**(data.get("upstream") or {}), "base_url": upstream_url}
    config = validate_config(data, config_path or "<options>")
    load_policy(config.policy)  # fail here, once, with the policy's file:line error
    if config.auth is not None:
        from ..service.auth import load_token

        load_token(config.auth)  # a configured token that is missing stops us here, not in a worker
    if config.upstream is not None and config.upstream.api_key_env and not os.environ.get(config.upstream.api_key_env):
        from ..errors import PolicyError

        raise PolicyError(f"{config.upstream.api_key_env} is not set", field="upstream.api_key_env")

    import uvicorn

    if not _loopback(config.host) and config.auth is None:
        click.echo(f"Warning: serving on {config.host} without auth (add auth: to the config)", err=True)
    os.environ[CONFIG_ENV] = config.to_env()
    # uvicorn drains requests on SIGTERM and then re-raises it; the CLI's own SIGTERM handler
    # (for batch jobs: "unfinished outputs were not written") would turn a clean drain into 143
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    uvicorn.run(
        "jpt_redact.service.app:create_app_from_env", factory=True, host=config.host, port=config.port,
        workers=config.workers, access_log=False, timeout_graceful_shutdown=config.limits.graceful_shutdown_s,
        log_level="info", lifespan="on", server_header=False,
    )
