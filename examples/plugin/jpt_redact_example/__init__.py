"""Example plugins for jpt-redact (see the entry points in this distribution's pyproject.toml)."""
