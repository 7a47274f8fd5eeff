"""Output formats of `jpt-redact redact --format NAME`: a RedactionResult becomes what is written.

A format is an exporter plugin: named by an open string checked against
`jpt_redact.registry.exporters` (entry-point group `jpt_redact.exporters`); the built-ins
(base.py's text, json, jsonl) register through the same entry points. The contract is
`Exporter` in base.py.
"""
