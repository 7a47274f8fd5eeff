"""User names, logins and handles: the value after a context that says it is one.

    username: jdoe42 / user=mgarcia / "login": "jsmith_7"   an assignment (0.85)
    Accepted publickey for mgarcia from 203.0.113.7       sshd, sudo and PAM log lines (0.85)
    the username is mgarcia                               prose after 'username', 'handle', ... (0.8)
    my login is dwhitaker88 / (username mkowalczyk_84)    after 'login', 'user', ... when the value
                                                          looks made up: a digit, '_' or '.' (0.78)
    follow me on Instagram @marie_d                       a handle near a service name (0.75)
    PWD=/home/mgarcia, C:\\Users\\jdoe\\Documents            a home directory names its user (0.8)

A user name is letters, digits, '.', '_' and '-', starting and ending with a letter or digit,
with at least one letter (uid=0 is a number). Generic accounts (admin, root, support,
noreply, ...) and placeholders are not reported, nor the local part of an email address.
"""
from __future__ import annotations

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

NAME = "pattern:username"
_VALUE = r"(?P<value>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)(?![\w@]|[.-]\w)"
_ASSIGNED = compile(
    r"(?<![\w-])[\"']?(?:user(?:[_ -]?name)?|login(?:[_ -]?name)?|user[_ -]?id|uid|account[_ -]?name|handle|"
    r"screen[_ -]?name|nick(?:name)?)[\"']?[ \t]{0,3}(?:=|:|=>)[ \t]{0,3}[\"']?@?" + _VALUE,
    IGNORECASE, name=NAME,
)
_LOG = compile(
    r"(?:\bfor(?: invalid)?(?: user)?|\bsudo:) " + _VALUE + r"(?= from \S|\(uid=| : TTY=)",
    name=NAME,
)
_PROSE = compile(
    r"(?<!\w)(?:user ?name|login name|user id|handle|screen name|gamer ?tag|account name)"
    r" (?:is|was) [\"']?@?" + _VALUE,
    IGNORECASE, name=NAME,
)
_NAMED = compile(r"(?<!\w)(?:user ?name|login|user ?id|handle|user)(?: (?:is|was))? [\"']?@?" + _VALUE,
                 IGNORECASE, name=NAME)
# the directory name ends at a separator, a space, a quote or punctuation, not at a '.' or '-' inside it
_HOME = compile(r"(?<![\w.-])(?:/home|/Users|[A-Za-z]:\\Users)[/\\]"
                r"(?P<value>[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?)(?=[/\\\s\"';,:)]|\.(?!\w)|$)", name=NAME)
_HANDLE = compile(r"(?<![\w@./])@(?P<value>[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@]|\.\w)", name=NAME)
_SERVICES = compile(
    r"\b(?:twitter|instagram|insta|telegram|tiktok|threads|mastodon|bluesky|github|gitlab|reddit|discord|slack|"
    r"snapchat|handle|follow(?:ed|ing)?|dms?|mention(?:ed)?)\b",
    IGNORECASE, name=NAME,
)
GENERIC = frozenset({
    "admin", "administrator", "root", "support", "noreply", "no-reply", "system", "guest", "user", "username",
    "test", "nobody", "daemon", "www-data", "postgres", "ubuntu", "ec2-user", "info", "sales", "help", "service",
    "anonymous", "null", "none", "unknown", "required", "optional", "true", "false", "here", "below", "above",
    "backup", "bin", "sys", "sync", "mail", "news", "proxy", "nginx", "apache", "mysql", "redis", "git", "jenkins",
    "deploy", "centos", "oracle", "sshd", "operator", "ftp",
})
NAMED_SCORE, HANDLE_SCORE = 0.78, 0.75


class UsernameRecognizer(RegexRecognizer):
    name = NAME
    rules = ((_ASSIGNED, 0.85), (_LOG, 0.85), (_PROSE, 0.8), (_HOME, 0.8), (_NAMED, NAMED_SCORE), (_HANDLE, HANDLE_SCORE))

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            value = text[start:end]
            if score == NAMED_SCORE and not any(c.isdigit() or c in "_." for c in value):
                continue  # 'the login page', 'user rlindqvist': the value must look made up
            if score == HANDLE_SCORE and _SERVICES.search(text, max(0, start - 50), min(len(text), end + 30)) is None:
                continue  # '@property', '@timestamp': a handle needs a service or 'follow' nearby
            out.append((start, end, score))
        return out

    def check(self, value: str, score: float) -> float | None:
        if value.casefold() in GENERIC or not any(c.isalpha() for c in value):
            return None
        return score
