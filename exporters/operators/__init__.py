"""Operators: what replaces a detected value (one per module), and applying them to a text.

    base.py      the Operator contract and OperatorContext (keys, per-document and per-run state)
    apply.py     get_operator / build_operators (through the registry), apply_operators
    mask.py  replace.py  redact.py  hashing.py  pseudonymize.py  encrypt.py  keep.py
    restore.py   the inverse of encrypt: [ENC:...] tokens back to their values, with the key

Built-ins register under the entry-point group `jpt_redact.operators` exactly as plugins do
(docs/operators.md shows a plugin end to end).
"""
