"""Plugins shipped with jpt-redact, one kind per folder (this folder is `jpt_redact.plugins`).

    recognizers/   the built-in pattern, checksum and context recognizers (entry-point group
                   `jpt_redact.recognizers`, the same one third-party recognizers use)
    presidio/      the Presidio integration: jpt-redact as a Presidio recognizer and operators

Integrations with other frameworks (a Ray Data runner, ...) get a folder of their own here;
like presidio/ they sit on top of the Redactor and import nothing the core depends on.
"""
