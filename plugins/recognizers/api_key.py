"""API keys and access tokens in their vendors' documented formats, plus JWTs, bearer tokens
and values assigned to key-like names (api_key=..., "access_token": "...").

Vendor prefixes are specific enough to score 0.95 without a checksum; assignments score 0.85
because the name, not the value, is the evidence.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

_VENDOR = compile(
    r"(?<![\w/+])(?:"
    r"(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}"  # AWS access key id
    r"|gh[pousr]_[A-Za-z0-9]{36,255}"  # GitHub tokens
    r"|github_pat_[A-Za-z0-9_]{22,255}"  # GitHub fine-grained PAT
    r"|glpat-[A-Za-z0-9_-]{20,}"  # GitLab PAT
    r"|xox[abposr]-[A-Za-z0-9-]{10,250}"  # Slack tokens
    r"|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}"  # Stripe keys
    r"|AIza[0-9A-Za-z_-]{35}"  # Google API key
    r"|ya29\.[0-9A-Za-z_-]{20,}"  # Google OAuth access token
    r"|sk-(?:proj-|ant-(?:api03-)?)?[A-Za-z0-9_-]{32,}"  # OpenAI / Anthropic keys
    r"|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"  # SendGrid
    r"|hf_[A-Za-z0-9]{34,}"  # Hugging Face
    r"|npm_[A-Za-z0-9]{36}"  # npm
    r"|pypi-[A-Za-z0-9_-]{50,}"  # PyPI upload token
    r")(?![\w-])",
    name="pattern:api_key",
)
_JWT = compile(r"(?<![\w.-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}(?![\w.-])", name="pattern:api_key")
_BEARER = compile(r"(?<!\w)(?:Bearer|Token)\s+(?P<value>[A-Za-z0-9._~+/-]{20,}=*)(?![\w.~+/=-])", name="pattern:api_key")
# At most eight words before the key name (db_read_api_key): an unbounded `(?:[A-Za-z0-9]+[_-])*`
# backtracks in quadratic time in the regex module on a long snake_case run.
_ASSIGNED = compile(
    r"(?<![\w-])[\"']?(?:[A-Za-z0-9]+[_-]){0,8}(?:api[_-]?key|apikey|secret(?:[_-]?key)?|access[_-]?key(?:[_-]?id)?|"
    r"access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?token|refresh[_-]?token)[\"']?"
    r"\s*(?:=|:|=>)\s*[\"']?(?P<value>[A-Za-z0-9._~+/=-]{12,})",
    IGNORECASE,
    name="pattern:api_key",
)


class ApiKeyRecognizer(RegexRecognizer):
    name = "pattern:api_key"
    rules = ((_VENDOR, 0.95), (_JWT, 0.95), (_BEARER, 0.85), (_ASSIGNED, 0.85))

    def check(self, value: str, score: float) -> float | None:
        if score < 0.95 and (len(set(value)) < 5 or (not any(c.isdigit() for c in value) and (value.isupper() or value.islower()))):
            return None  # api_key=YOUR_API_KEY_HERE, token=xxxxxxxxxxxx: placeholders, not keys
        return score
