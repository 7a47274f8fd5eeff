"""PEM private key blocks (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP), from the BEGIN line
through the matching END line. Public keys and certificates are not secrets and are skipped."""
from __future__ import annotations

from ...safe_regex import compile
from ._base import RegexRecognizer

# The body may not contain a run of five dashes: each BEGIN then scans only up to the next
# BEGIN/END line instead of to the end of the text (quadratic on many BEGIN lines and no END).
_PEM = compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
    r"(?:[^-]|-(?!----))*-----END (?P=kind)-----",
    name="pattern:private_key",
)


class PrivateKeyRecognizer(RegexRecognizer):
    name = "pattern:private_key"
    rules = ((_PEM, 0.99),)
