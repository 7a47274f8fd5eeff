"""MAC (EUI-48) addresses: six hex pairs joined by ':' or '-', or Cisco's three dotted groups of four."""
from __future__ import annotations

import re

from ...safe_regex import compile
from ._base import RegexRecognizer

# Not part of a longer run of hex pairs (an IPv6 address, an 8-byte EUI-64), but a ':' or '-'
# of the prose around it is fine: "mac:00:1A:2B:3C:4D:5E" and "00:1A:2B:3C:4D:5E: offline"
# leaked when the boundary refused any neighbouring ':' (found by tests/test_fuzz_recognizers.py).
_COLON = compile(r"(?<!\w)(?<!(?<!\w)[0-9A-Fa-f]{2}[:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}"
                 r"(?!\w)(?![:-][0-9A-Fa-f])", name="pattern:mac_address")
_CISCO = compile(r"(?<![\w.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![\w.])", name="pattern:mac_address")
# on a matched address (17 characters), not on the document


class MacAddressRecognizer(RegexRecognizer):
    name = "pattern:mac_address"
    rules = ((_COLON, 0.9), (_CISCO, 0.75))

    def check(self, value: str, score: float) -> float | None:
        hexdigits = re.sub(r"[^0-9A-Fa-f]", "", value)
        if len(set(hexdigits.lower())) == 1:
            return None  # 00:00:.. and ff:ff:.. are placeholders/broadcast, not a device
        if value.count(".") == 2 and hexdigits.isdigit():
            return None  # 1234.5678.9012 is a number, not a Cisco-style MAC
        return score
