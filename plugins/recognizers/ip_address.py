"""IPv4 and IPv6 addresses, validated by the standard library's ipaddress module.

Dotted quads preceded by 'v' or 'version' (or followed by another '.digit') are version
numbers, not addresses. An optional /prefix (CIDR) is included in the span.
"""
from __future__ import annotations

import ipaddress
import re

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

_V4 = compile(r"(?<![\w.])(?P<value>(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?)(?![\w]|\.\d)", name="pattern:ip_address")
_V6 = compile(r"(?<![\w:.])(?P<value>(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?:/\d{1,3})?)(?![\w:])",
              name="pattern:ip_address")
_VERSION_BEFORE = compile(r"(?:\bv|\bversion\s*|\bver\.?\s*|\brelease\s*)$", IGNORECASE, name="pattern:ip_address")
# on a matched address (at most ~45 characters), not on the document


class IpAddressRecognizer(RegexRecognizer):
    name = "pattern:ip_address"
    rules = ((_V4, 0.9), (_V6, 0.9))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        return [(s, e, sc) for s, e, sc in super().find(text) if not _VERSION_BEFORE.search(text, max(0, s - 10), s)]

    def check(self, value: str, score: float) -> float | None:
        address = value.split("/")[0]
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return None
        if "/" in value:
            try:
                ipaddress.ip_network(value, strict=False)
            except ValueError:
                return None
        if ip.version == 6 and address.count(":") < 2:
            return None
        if ip.version == 6 and "::" not in address and address.count(":") < 7:
            return None
        if ip.version == 6 and not re.search(r"[0-9A-Fa-f]", address.replace(":", "")) and address != "::1":
            return None  # '::' alone, or a run of colons in prose
        return score
