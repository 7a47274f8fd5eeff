"""Any secret: the union of the api_key, private_key, connection_string, password and
high_entropy recognizers, for policies with a single catch-all SECRET type."""
from __future__ import annotations

from ._base import drop_nested
from .api_key import ApiKeyRecognizer
from .connection_string import ConnectionStringRecognizer
from .high_entropy import HighEntropyRecognizer
from .password import PasswordRecognizer
from .private_key import PrivateKeyRecognizer


class SecretRecognizer:
    name = "pattern:secret"

    def __init__(self) -> None:
        self._parts = (PrivateKeyRecognizer(), ConnectionStringRecognizer(), ApiKeyRecognizer(),
                       PasswordRecognizer(), HighEntropyRecognizer())

    def find(self, text: str) -> list[tuple[int, int, float]]:
        found: dict[tuple[int, int], float] = {}
        for part in self._parts:
            for s, e, score in part.find(text):
                found[(s, e)] = max(score, found.get((s, e), 0.0))
        return drop_nested(found)
