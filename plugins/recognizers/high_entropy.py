"""Unlabelled high-entropy tokens that look like generated secrets.

A token of 24+ characters from the base64/url-safe alphabet that mixes upper case, lower case
and digits (at least two), with Shannon entropy near what random characters of that length
give: at least min(log2(length) - 0.8, 4.5) bits per character (about 97% of random base62
tokens pass; English CamelCase identifiers do not). Hex-only strings (commit
hashes, checksums, UUIDs) and identifiers with few distinct characters are not reported.
Format-only evidence, so the score is low (0.6): prefer api_key's vendor formats where they apply.
"""
from __future__ import annotations

import math
import re

from ...safe_regex import compile
from ._base import RegexRecognizer, shannon_entropy

_TOKEN = compile(r"(?<![\w+/=.-])[A-Za-z0-9+/_-]{24,512}={0,2}(?![\w+/=-])", name="pattern:high_entropy")
# on a matched value of at most 514 characters, not on the document
MAX_THRESHOLD_BITS = 4.5


class HighEntropyRecognizer(RegexRecognizer):
    name = "pattern:high_entropy"
    rules = ((_TOKEN, 0.6),)

    def check(self, value: str, score: float) -> float | None:
        core = value.rstrip("=")
        if not (re.search(r"[a-z]", core) and re.search(r"[A-Z]", core) and len(re.findall(r"\d", core)) >= 2):
            return None
        if re.fullmatch(r"[0-9a-fA-F-]+", core) or core.count("/") > 2:
            return None  # hex digests, paths
        if shannon_entropy(core) < min(math.log2(len(core)) - 0.8, MAX_THRESHOLD_BITS):
            return None
        return score
