"""`jpt-redact policy validate|show|schema`."""
from __future__ import annotations

from pathlib import Path

import click
import yaml

from . import common


@click.group("policy")
def policy_group() -> None:
    """Validate, show and describe policies."""


@policy_group.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate_command(files: tuple[str, ...]) -> None:
    """Check policy files (or built-in names); errors name file, line and field."""
    from ..policy import load_policy
    from ..redactor import validate_policy

    from ..errors import PolicyError
    from ..policy import lint_policy

    for ref in files:
        policy = load_policy(ref)  # names of plugins (operators, recognizers, backend) are checked here
        validate_policy(policy)  # ... and what a Redactor builds from them (parameters, validators) here
        problems = lint_policy(policy)  # regexes that may take exponential time
        if problems:
            raise PolicyError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
        n_model = len(policy.model_types())
        click.echo(
            f"OK: {ref}: policy {policy.name!r} v{policy.version}, {len(policy.entities)} types "
            f"({n_model} read by the model)"
        )


@policy_group.command("show")
@click.argument("name", metavar="NAME|PATH")
@click.option("--resolved", is_flag=True, help="Show the validated policy with every default filled in, as YAML.")
def show_command(name: str, resolved: bool) -> None:
    """Print a policy (a built-in's YAML source, or the resolved form)."""
    from ..policy import load_policy

    policy = load_policy(name)
    if resolved or not policy.source or not Path(policy.source).is_file():
        data = policy.model_dump(mode="json", exclude={"source"})
        click.echo(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100).rstrip("\n"))
    else:
        click.echo(Path(policy.source).read_text(encoding="utf-8").rstrip("\n"))


@policy_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of policy files (for editors and CI checks)."""
    from ..policy import policy_json_schema

    click.echo(common.dumps(policy_json_schema(), pretty=True))
