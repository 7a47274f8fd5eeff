"""PEM private key blocks (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP), from the BEGIN line
through the matching END line. Public keys and certificates are not secrets and are skipped."""
from __future__ import annotations

import re

from ._base import RegexRecognizer

_PEM = re.compile(
    r"-----BEGIN (?P<kind>(?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?)-----"
    r"[\s\S]*?-----END (?P=kind)-----"
)


class PrivateKeyRecognizer(RegexRecognizer):
    name = "pattern:private_key"
    rules = ((_PEM, 0.99),)
