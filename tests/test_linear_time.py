"""Linear time on hostile input (issue 14, item 3, 4 and the campaign): every shipped regex, every
recognizer's `find` and the span handling (drop_nested, the resolver).

Nothing here compares a time with a number of seconds: each test grows an adversarial input
x2, x4, x8 and compares times with the first (linear: about 8 over the x8 input, quadratic 64).
Per regex, every hostile family (tests/fuzz_support.py) is timed once at about 1,000
characters; the two slowest are grown. A quadratic pattern is already the slowest at 1,000
characters, so the screen finds it; a super-linear one that the time limit cuts short counts
as a failure too.
"""
from __future__ import annotations

import pytest

from fuzz_support import (
    MAX_RATIO_X8,
    TRIGGERS,
    best_seconds,
    families,
    family_size,
    growth,
    pattern_words,
    shipped_patterns,
    shipped_recognizers,
)
from jpt_redact import safe_regex
from jpt_redact.findings import Span

SCREEN_CHARS = 1000
GROW_CHARS = 2000


@pytest.fixture(autouse=True)
def _short_time_limit(monkeypatch):
    # a quadratic candidate stops at 1 s instead of running for minutes
    monkeypatch.setattr(safe_regex, "BASE_TIMEOUT_S", 1.0)


def _worst(run, fams, screen_chars=SCREEN_CHARS, grow_chars=GROW_CHARS, top=2):
    """(x8 ratio, family) of the worst family: screen all once, grow the slowest `top`."""
    timed = []
    for label, make in fams:
        text = make(family_size(make, screen_chars))
        try:
            t = best_seconds(lambda: run(text), reps=1)
        except safe_regex.RegexTimeout:
            return float("inf"), label + " (timed out at the screening size)"
        timed.append((t / max(1, len(text)), label, make))
    timed.sort(key=lambda x: x[0], reverse=True)
    worst = (0.0, "")
    for _, label, make in timed[:top]:
        k = family_size(make, grow_chars)
        try:
            ratios = growth(lambda m: run(make(m)), k, reps=2)
            if ratios[-1] > MAX_RATIO_X8:  # confirm before blaming: one slow run is noise
                ratios = growth(lambda m: run(make(m)), k, reps=5)
        except safe_regex.RegexTimeout:
            return float("inf"), label + " (timed out)"
        if ratios[-1] > worst[0]:
            worst = (ratios[-1], f"{label}: x2 {ratios[0]:.1f}, x4 {ratios[1]:.1f}, x8 {ratios[2]:.1f}")
    return worst


def _consume(pattern):
    def run(text):
        for _ in pattern.finditer(text):
            pass
    return run


PATTERNS = shipped_patterns()


def test_the_campaign_covers_the_shipped_patterns():
    names = {p.name for p in PATTERNS}
    for expected in ("pattern:cvv", "pattern:card_expiry", "pattern:password", "pattern:private_key",
                     "pattern:connection_string", "pattern:url", "pattern:phone", "pattern:vin_after_keyword",
                     "pattern:imei_after_keyword", "pattern:fax_after_keyword", "pattern:mrn_after_keyword",
                     "pattern:pin_after_keyword"):
        assert expected in names, expected
    assert sum(n.endswith(".model_requires") for n in names) >= 10
    assert len(PATTERNS) >= 60


# Patterns of modules this campaign does not own that the screen finds super-linear: reported to
# their owner, expected to fail until fixed (the regex module backtracks `(?:label\.)+` in
# quadratic time; see plugins/recognizers/email.py for the fix).
KNOWN_SUPERLINEAR: dict[tuple[str, str], str] = {}  # hostname.py's `(?:label\.)+` fixed (issue 13)


def _known(pattern) -> list:
    for (name, head), why in KNOWN_SUPERLINEAR.items():
        if pattern.name == name and pattern.pattern.startswith(head):
            return [pytest.mark.xfail(reason=why, strict=False)]
    return []


@pytest.mark.parametrize("pattern", [pytest.param(p, marks=_known(p)) for p in PATTERNS],
                         ids=[f"{p.name}:{i}" for i, p in enumerate(PATTERNS)])
def test_every_shipped_regex_runs_in_linear_time(pattern):
    # issue 14 item 3: hipaa VIN/IMEI were cubic, password prose, card_expiry, cvv, fax/MRN, PEM
    # keys and connection strings quadratic
    ratio, where = _worst(_consume(pattern), families(list(TRIGGERS) + pattern_words(pattern.pattern)))
    assert ratio <= MAX_RATIO_X8, f"{pattern.name} {pattern.pattern[:60]!r} grows super-linearly on {where}"


RECOGNIZERS = shipped_recognizers()
KNOWN_SLOW_RECOGNIZERS: dict[str, str] = {}


@pytest.mark.parametrize("name, rec", [pytest.param(n, r, marks=[pytest.mark.xfail(reason=KNOWN_SLOW_RECOGNIZERS[n], strict=False)]
                                                    if n in KNOWN_SLOW_RECOGNIZERS else []) for n, r in RECOGNIZERS],
                         ids=[n for n, _ in RECOGNIZERS])
def test_every_recognizer_finds_in_linear_time(name, rec):
    # the Python around the regexes too: the URL recognizer's trailing-parenthesis loop and the
    # connection string's were quadratic, the phone recognizer's overlap check too (item 4)
    words = [w for p in PATTERNS if p.name == getattr(rec, "name", "") for w in pattern_words(p.pattern, 2)]
    ratio, where = _worst(rec.find, families(list(TRIGGERS) + words[:4]), top=2)
    assert ratio <= MAX_RATIO_X8, f"{name} grows super-linearly on {where}"


@pytest.mark.parametrize("name, unit, k", [
    ("url", ")", 1000),                                     # the trailing-parenthesis loop
    ("connection_string", ";", 1000),                       # the trailing ';' loop
    ("phone", "415-555-2671 ", 100),                        # many numbers in one run (item 8's windows)
    ("private_key", "-----BEGIN RSA PRIVATE KEY-----\n", 100),  # BEGIN lines without an END
    ("secret", "-----BEGIN RSA PRIVATE KEY-----\n", 100),
])
def test_known_hostile_inputs_grow_linearly(name, unit, k):
    rec = dict(RECOGNIZERS)[name]
    head = {"url": "see http://a.b/", "connection_string": "postgres://u:p@h"}.get(name, "")
    ratios = growth(lambda m: rec.find(head + unit * m), k, reps=2)
    assert ratios[-1] <= MAX_RATIO_X8, ratios


# -- span handling (item 4) -----------------------------------------------------------------------
def _spans_nested(n):
    return {(i, 2 * n - i): 0.5 for i in range(n)}  # n spans, each inside the previous


def _spans_chained(n):
    return {(2 * i, 2 * i + 3): 0.5 + (i % 7) / 100 for i in range(n)}  # each overlaps the next


def _spans_disjoint(n):
    return {(3 * i, 3 * i + 2): 0.9 for i in range(n)}


@pytest.mark.parametrize("make", [_spans_nested, _spans_chained, _spans_disjoint])
def test_drop_nested_is_n_log_n(make):
    from jpt_redact.plugins.recognizers._base import drop_nested

    inputs: dict = {}

    def run(m):
        if m not in inputs:  # built in growth's untimed first run
            inputs[m] = make(1000 * m)
        drop_nested(inputs[m])

    # n log n grows ~10x over the x8 input, nearer the limit than linear code: best of 5 runs
    # (one slow run of 2 once read 25.7 on an idle machine)
    ratios = growth(run, 1, reps=5)
    assert ratios[-1] <= MAX_RATIO_X8, ratios


RESOLVER_POLICY = """
name: t
entities:
  PERSON: {definition: Names of people.}
  LOCATION: {definition: Places and addresses., priority: 1}
  EMAIL: {definition: Email addresses., priority: 2}
"""


def _resolver_inputs(kind, n):
    labels = ("PERSON", "LOCATION", "EMAIL")
    text = ("ab " * (n + 10))
    if kind == "disjoint":
        spans = [Span(3 * i, 3 * i + 2, labels[i % 3], 0.9) for i in range(n)]
    elif kind == "chained":  # every span overlaps its neighbours, labels alternate
        spans = [Span(3 * i, 3 * i + 5, labels[i % 3], 0.6 + (i % 5) / 20) for i in range(n)]
    elif kind == "many small then long":  # strong short spans, then long weak ones over all of them
        spans = [Span(3 * i, 3 * i + 2, "EMAIL", 0.9, "pattern:x") for i in range(n // 2)]
        spans += [Span(0, 3 * (n // 2) - 1 - (i % 3), "PERSON", 0.6) for i in range(n // 2)]
    else:  # nested, alternating labels
        spans = [Span(i, 3 * n - i, labels[i % 3], 0.9 - i / (10 * n)) for i in range(n)]
    return text, spans


@pytest.mark.parametrize("kind", ["disjoint", "chained", "many small then long", "nested"])
def test_resolver_is_n_log_n(kind):
    # issue 14 item 4: 20k spans took 36.6 s, x4 per doubling
    from jpt_redact.policy import parse_policy
    from jpt_redact.resolver import resolve

    policy = parse_policy(RESOLVER_POLICY)
    inputs: dict = {}

    def run(m):
        if m not in inputs:  # built in growth's untimed first run
            inputs[m] = _resolver_inputs(kind, 1000 * m)
        resolve(inputs[m][0], inputs[m][1], policy)

    ratios = growth(run, 1, reps=2)
    assert ratios[-1] <= MAX_RATIO_X8, ratios
