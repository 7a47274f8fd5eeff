"""Built-in pattern, checksum and context recognizers, one per module (Presidio style).

Each class has a `name` ("pattern:<entry-point name>") and `find(text) -> [(start, end, score)]`,
and is registered in pyproject.toml under the entry-point group `jpt_redact.recognizers`,
the same way third-party recognizers are. Look them up through `jpt_redact.registry`.
"""
