"""The `jpt-redact` command: one module per command group, registered in main.py; errors
become text only here (main.py, common.error_line)."""
