"""URLs that point at a person: web addresses (with a scheme or 'www.') with a personal part.

Personal parts: credentials in the address (https://jdoe:pw@...), an email address, a profile
path (/u/, /user/, /users/, /profile/, /people/, /members/, /in/, /patient/, /~name, /@name), a
query parameter naming a person or account (user=, email=, uid=, patient=, customer=, ...), or
a path on a social network or code host (facebook.com/jane.doe, github.com/jdoe). Other URLs
(https://docs.python.org/3/) are not reported: this is for policies where an address is
personal data only when it leads to someone. Trailing sentence punctuation is not part of it.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from ...safe_regex import IGNORECASE, compile
from ._base import RegexRecognizer

NAME = "pattern:personal_url"
_URL = compile(r"(?<![\w@/])(?:(?:https?|ftp)://|www\.)[^\s<>\"'`]+", IGNORECASE, name=NAME)
_TRAILING = ".,;:!?'\")]}>"
PROFILE_SEGMENTS = frozenset(
    "u user users profile profiles people person member members in pub patient patients customer customers "
    "account accounts".split())
PERSONAL_KEYS = frozenset(
    "user username userid user_id uid email mail login account account_id accountid patient patient_id patientid "
    "customer customer_id customerid member member_id memberid name firstname first_name lastname last_name "
    "phone".split())
SOCIAL_HOSTS = frozenset(
    "facebook.com twitter.com x.com instagram.com linkedin.com github.com gitlab.com tiktok.com youtube.com "
    "medium.com reddit.com pinterest.com".split())


def is_personal(url: str) -> bool:
    """Whether a URL has one of the personal parts of this module's docstring."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
    except ValueError:  # an unbalanced '[' (urllib reads an IPv6 host): judge the raw markers
        return "@" in url or "%40" in url.lower() or "/~" in url
    try:
        has_user = parts.username is not None
    except ValueError:
        has_user = False
    rest = parts.path + "?" + parts.query
    if has_user or "@" in rest or "%40" in rest.lower():
        return True
    segments = [s for s in parts.path.split("/") if s]
    if any(s.startswith(("~", "@")) and len(s) > 1 for s in segments):
        return True
    if any(a.lower() in PROFILE_SEGMENTS for a in segments[:-1]):
        return True
    if any(k.lower() in PERSONAL_KEYS and v for k, v in parse_qsl(parts.query, keep_blank_values=True)):
        return True
    host = (parts.hostname or "").removeprefix("www.")
    return host in SOCIAL_HOSTS and bool(segments)


class PersonalUrlRecognizer(RegexRecognizer):
    name = NAME
    rules = ((_URL, 0.9),)

    def find(self, text: str) -> list[tuple[int, int, float]]:
        out = []
        for start, end, score in super().find(text):
            # as in url.py: a ')' that closes a '(' inside stays; counted once, not per step
            opened, closed = text.count("(", start, end), text.count(")", start, end)
            while end > start and text[end - 1] in _TRAILING:
                if text[end - 1] == ")":
                    if opened >= closed:
                        break
                    closed -= 1
                end -= 1
            if end > start and is_personal(text[start:end]):
                out.append((start, end, score))
        return out
