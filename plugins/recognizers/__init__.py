"""Built-in pattern, checksum and context recognizers, one per module (Presidio style).

Checksums and phone regions come from `jpt_redact.validators`, shared with the `validator:` of
a policy's inline patterns.

Each class has a `name` ("pattern:<entry-point name>") and `find(text) -> [(start, end, score)]`,
and is registered in pyproject.toml under the entry-point group `jpt_redact.recognizers`,
the same way third-party recognizers are. Look them up through `jpt_redact.registry`.
"""
