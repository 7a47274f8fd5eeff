"""`jpt-redact plugins` and `jpt-redact info`."""
from __future__ import annotations

import platform

import click

from ..errors import JPTRedactError
from ..version import __version__
from . import common


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def plugins_command(as_json: bool) -> None:
    """List recognizers, operators, runtime backends and output formats, with where each comes from."""
    from .. import registry

    rows = [info for reg in registry.ALL for info in reg.info()]
    if as_json:
        click.echo(common.dumps([{"kind": r.kind, "name": r.name, "source": r.source, "target": r.target} for r in rows], pretty=True))
        return
    for reg in registry.ALL:
        infos = reg.info()
        click.echo(f"{reg.kind}s ({reg.group}):")
        if not infos:
            click.echo("  (none)")
        width = max((len(i.name) for i in infos), default=0)
        for i in infos:
            click.echo(f"  {i.name.ljust(width)}  {i.target}  [{i.source}]")


def _safe(fn) -> str:
    try:
        return str(fn())
    except JPTRedactError as exc:
        return f"unavailable ({exc})"
    except ImportError as exc:
        return f"unavailable ({exc.name or 'a package'} is not installed)"
    except Exception as exc:  # info must always print; the detail is for --debug runs
        return f"unavailable ({type(exc).__name__})"


def _model_id(checkpoint: str | None) -> str:
    from ..model.checkpoint import load_checkpoint_config

    path, cfg = load_checkpoint_config(checkpoint)
    return f"{cfg.model_id} (checkpoint {path})"


def _backend(settings) -> str:
    from ..engine.loader import describe_selection

    sel = describe_selection(settings)
    tried = "; ".join(f"{n}: {why}" for n, why in sel.tried)
    return f"{sel.name} ({sel.reason})" + (f" [skipped: {tried}]" if tried else "")


def _precision(settings) -> str:
    from ..engine.loader import describe_precision

    return describe_precision(settings)


def _backbone() -> str:
    from ..model.backbone import resolve_backbone_path

    return str(resolve_backbone_path(None))


def _cache_dir() -> str:
    from ..model.paths import cache_dir

    return str(cache_dir())


def _key() -> str:
    from ..keys import KeyProvider

    keys = KeyProvider.from_env()
    return f"set (from {keys.source})" if keys.has_key else "not set (hash/encrypt/pseudonymize and audit MACs need JPT_REDACT_KEY)"


@click.command("info")
@common.policy_option
@common.backend_options
def info_command(policy_ref: str, **model) -> None:
    """Show versions, the model, which backend `auto` picks and why, and the cache directory.

    Nothing is downloaded and the backbone is not loaded.
    """
    from ..policy import BUILTIN_POLICIES

    policy = common.load_cli_policy(policy_ref, **model)
    checkpoint = policy.model.checkpoint
    rows = [
        ("jpt-redact", __version__),
        ("python", platform.python_version()),
        ("policy", f"{policy.name} v{policy.version} ({policy.source})"),
        ("built-in policies", ", ".join(BUILTIN_POLICIES)),
        ("model", _safe(lambda: _model_id(checkpoint))),
        ("backbone", _safe(_backbone) if policy.model.backbone is None else policy.model.backbone),
        ("backend", _safe(lambda: _backend(policy.model))),
        ("precision", _safe(lambda: _precision(policy.model))),
        ("quick start", _safe(lambda: common.quick_start_backend(
            policy.model, backend_given=model.get("backend") is not None)[1])),
        ("cache dir", _safe(_cache_dir)),
        ("key", _safe(_key)),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        click.echo(f"{k.ljust(width)}  {v}")
