"""A recognizer for support ticket ids such as TCK-004211 (any case)."""
from __future__ import annotations

import re

_TICKET = re.compile(r"(?<![\w-])tck-\d{6}(?![\w-])", re.IGNORECASE)


class TicketIdRecognizer:
    """Proposes (start, end, score) for every ticket id; the policy says which type it is."""

    name = "pattern:ticket_id"

    def find(self, text: str) -> list[tuple[int, int, float]]:
        return [(m.start(), m.end(), 0.95) for m in _TICKET.finditer(text)]
