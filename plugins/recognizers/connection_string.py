"""Connection strings that carry credentials: URIs with user:password@host for databases,
brokers and caches (postgres://, mysql://, mongodb+srv://, redis://, amqp://, ...), and
ADO/ODBC strings with a Password= or Pwd= key. The whole string is the span."""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

# User and password are bounded (256 characters): unbounded, every scheme in a long run without
# spaces ('postgres://a:)postgres://a:)...') scans to the end of the run for an '@', quadratic.
# Likewise at most 32 key=value pairs before Password= in an ADO string.
_URI = compile(
    r"(?<![\w+.-])(?:postgres(?:ql)?|mysql|mariadb|mongodb(?:\+srv)?|redis|rediss|amqps?|mssql|sqlserver|oracle|"
    r"jdbc:[a-z]+|ftp|sftp|smtp|ldap|ldaps|clickhouse|cockroachdb|snowflake)(?:\+[a-z0-9]+)?://"
    r"[^\s:/@\"']{1,256}:[^\s@\"']{1,256}@[^\s\"'<>]+",
    IGNORECASE,
    name="pattern:connection_string",
)
_ADO = compile(
    r"(?<!\w)(?:(?:Server|Data Source|Host|Address|Driver|Provider)\s*=[^;\n]{1,1024};)"
    r"(?:[^;\n=]{1,256}=[^;\n]{0,1024};){0,32}?\s*(?:Password|Pwd)\s*=[^;\n]+;?",
    IGNORECASE,
    name="pattern:connection_string",
)


class ConnectionStringRecognizer(RegexRecognizer):
    name = "pattern:connection_string"
    rules = ((_URI, 0.95), (_ADO, 0.9))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for s, e, score in super().find(text):
            keep_semicolon = "=" in text[s:e]  # an ADO string's own ';' (looked up once: stripping never removes '=')
            while e > s and text[e - 1] in ".,;)]}>" and not (text[e - 1] == ";" and keep_semicolon):
                e -= 1
            out.append((s, e, score))
        return out
