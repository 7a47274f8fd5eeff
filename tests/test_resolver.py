"""Table tests for the resolver's rule set (see jpt_redact/resolver.py)."""
from __future__ import annotations

import pytest

from jpt_redact.findings import Span
from jpt_redact.policy import parse_policy
from jpt_redact.resolver import resolve

POLICY = parse_policy(r"""
name: t
defaults: {threshold: 0.5}
entities:
  PERSON: {definition: Names of people., allow_list: [" Santa Claus "]}
  LOCATION: {definition: Places and addresses.}
  EMAIL_ADDRESS: {definition: Email addresses., priority: 1}
  URL: {definition: Web addresses.}
  SECRET: {definition: Credentials and keys., priority: 5}
  DATE: {definition: Calendar dates., threshold: 0.8}
  PHONE_NUMBER: {definition: Telephone numbers., model_requires: '(?:\d\D*){7}'}
  API_KEY: {definition: API keys and tokens., model_requires: '^(?=.*\d)\S{8,}$'}
""")

TEXT = "0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ"  # 47 chars, content irrelevant except where noted


def S(start, end, label, score=0.9, rec="jpt"):
    return Span(start, end, label, score, rec)


def brief(spans):
    return [(s.start, s.end, s.label, round(s.score, 3), s.recognizer) for s in spans]


CASES = [
    ("no candidates", TEXT, [], []),
    ("label not in policy is dropped", TEXT, [S(0, 5, "FAX_NUMBER")], []),
    ("model span below the type threshold is dropped", TEXT, [S(0, 5, "DATE", 0.79), S(6, 9, "DATE", 0.8)],
     [(6, 9, "DATE", 0.8, "jpt")]),
    ("default threshold applies to types without one", TEXT, [S(0, 5, "PERSON", 0.49), S(6, 9, "PERSON", 0.5)],
     [(6, 9, "PERSON", 0.5, "jpt")]),
    ("pattern spans have no threshold", TEXT, [S(0, 5, "DATE", 0.3, "pattern:date")], [(0, 5, "DATE", 0.3, "pattern:date")]),
    ("same label: overlaps merge into the union with the max score", TEXT,
     [S(0, 5, "PERSON", 0.6), S(3, 9, "PERSON", 0.9), S(8, 12, "PERSON", 0.7)], [(0, 12, "PERSON", 0.9, "jpt")]),
    ("same label: touching spans stay separate", TEXT, [S(0, 5, "PERSON"), S(5, 9, "PERSON")],
     [(0, 5, "PERSON", 0.9, "jpt"), (5, 9, "PERSON", 0.9, "jpt")]),
    ("same label: merged span keeps the strongest part's recognizer", TEXT,
     [S(0, 5, "URL", 0.92), S(2, 9, "URL", 0.9, "pattern:url")], [(0, 9, "URL", 0.92, "pattern:url")]),
    ("different labels: higher priority wins, loser trimmed", TEXT,
     [S(0, 10, "URL", 0.99), S(4, 10, "EMAIL_ADDRESS", 0.6)],
     [(0, 4, "URL", 0.99, "jpt"), (4, 10, "EMAIL_ADDRESS", 0.6, "jpt")]),
    ("different labels, same priority: higher score wins", TEXT,
     [S(0, 10, "PERSON", 0.7), S(0, 10, "LOCATION", 0.8)], [(0, 10, "LOCATION", 0.8, "jpt")]),
    ("pattern beats model when scores are within 0.05", TEXT,
     [S(0, 10, "PERSON", 0.9), S(0, 10, "LOCATION", 0.85, "pattern:x")], [(0, 10, "LOCATION", 0.85, "pattern:x")]),
    ("model beats pattern when it is more than 0.05 ahead", TEXT,
     [S(0, 10, "PERSON", 0.95), S(0, 10, "LOCATION", 0.85, "pattern:x")], [(0, 10, "PERSON", 0.95, "jpt")]),
    ("equal score and evidence: longer span wins", TEXT,
     [S(0, 10, "PERSON", 0.9), S(2, 6, "LOCATION", 0.9)], [(0, 10, "PERSON", 0.9, "jpt")]),
    ("loser remainder shorter than 2 chars is dropped", TEXT,
     [S(0, 10, "LOCATION", 0.95), S(1, 11, "PERSON", 0.6)], [(0, 10, "LOCATION", 0.95, "jpt")]),
    ("deny-list remainders are kept at any length", TEXT,
     [S(0, 2, "EMAIL_ADDRESS", 1.0, "deny_list"), S(0, 3, "PERSON", 1.0, "deny_list")],
     [(0, 2, "EMAIL_ADDRESS", 1.0, "deny_list"), (2, 3, "PERSON", 1.0, "deny_list")]),
    ("loser covered in the middle keeps both sides", TEXT,
     [S(4, 6, "EMAIL_ADDRESS", 0.6), S(0, 10, "PERSON", 0.9)],
     [(0, 4, "PERSON", 0.9, "jpt"), (4, 6, "EMAIL_ADDRESS", 0.6, "jpt"), (6, 10, "PERSON", 0.9, "jpt")]),
    ("trimmed remainder is stripped of whitespace", "John Smith x@y.io",
     [S(0, 17, "PERSON", 0.6), S(11, 17, "EMAIL_ADDRESS", 0.99)],
     [(0, 10, "PERSON", 0.6, "jpt"), (11, 17, "EMAIL_ADDRESS", 0.99, "jpt")]),
    ("deny-list spans beat higher priority and score", TEXT,
     [S(0, 10, "SECRET", 0.99, "pattern:api_key"), S(2, 8, "PERSON", 1.0, "deny_list")],
     [(0, 2, "SECRET", 0.99, "pattern:api_key"), (2, 8, "PERSON", 1.0, "deny_list"), (8, 10, "SECRET", 0.99, "pattern:api_key")]),
    ("allow-list drops matching values (stripped, case-insensitive)", "Hi SANTA CLAUS and Santa",
     [S(3, 14, "PERSON"), S(19, 24, "PERSON")], [(19, 24, "PERSON", 0.9, "jpt")]),
    ("allow-list is per type", "Hi SANTA CLAUS", [S(3, 14, "LOCATION")], [(3, 14, "LOCATION", 0.9, "jpt")]),
    ("allow-list never drops deny-list spans", "Hi Santa Claus", [S(3, 14, "PERSON", 1.0, "deny_list")],
     [(3, 14, "PERSON", 1.0, "deny_list")]),
    ("jpt:<head> counts as model output", TEXT, [S(0, 5, "DATE", 0.6, "jpt:sigmoid")], []),
    ("model span without the type's required shape is dropped", "call 5432 or 555-0142 now",
     [S(5, 9, "PHONE_NUMBER"), S(13, 21, "PHONE_NUMBER")], [(13, 21, "PHONE_NUMBER", 0.9, "jpt")]),
    # '^' and '$' anchor to the span's own text, wherever it sits in the document
    ("model_requires reads the span as its own string", "key is ab12cd34ef now, abcdefghij",
     [S(7, 17, "API_KEY"), S(7, 10, "API_KEY", rec="jpt"), S(23, 33, "API_KEY")], [(7, 17, "API_KEY", 0.9, "jpt")]),
    ("model_requires does not apply to pattern spans", "port 5432", [S(5, 9, "PHONE_NUMBER", 0.8, "pattern:x")],
     [(5, 9, "PHONE_NUMBER", 0.8, "pattern:x")]),
]


@pytest.mark.parametrize(("why", "text", "candidates", "expected"), CASES, ids=[c[0] for c in CASES])
def test_resolve_table(why, text, candidates, expected):
    assert brief(resolve(text, candidates, POLICY)) == expected


@pytest.mark.parametrize(("why", "text", "candidates", "expected"), CASES, ids=[c[0] for c in CASES])
def test_result_is_sorted_non_overlapping_and_order_independent(why, text, candidates, expected):
    forward = resolve(text, candidates, POLICY)
    backward = resolve(text, list(reversed(candidates)), POLICY)
    assert forward == backward
    assert list(forward) == sorted(forward, key=lambda s: (s.start, s.end))
    assert all(a.end <= b.start for a, b in zip(forward, forward[1:]))
    assert isinstance(forward, tuple)


def test_many_random_candidates_resolve_to_a_clean_cover():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    labels = list(POLICY.entities)
    span = st.builds(
        lambda s, n, label, score, rec: Span(s, s + n, label, score, rec),
        st.integers(0, 40), st.integers(1, 7), st.sampled_from(labels + ["OTHER"]),
        st.floats(0.01, 1.0), st.sampled_from(["jpt", "pattern:x", "deny_list"]),
    )

    @settings(max_examples=100, deadline=None)
    @given(st.lists(span, max_size=12))
    def check(candidates):
        out = resolve(TEXT, candidates, POLICY)
        assert all(a.end <= b.start for a, b in zip(out, out[1:]))
        for s in out:
            assert s.label in POLICY.entities and s.length >= 1
            # every kept character was proposed for that label by some candidate
            proposed = {i for c in candidates if c.label == s.label for i in range(c.start, c.end)}
            assert set(range(s.start, s.end)) <= proposed
        # every deny-list candidate's characters survive under some span
        for c in candidates:
            if c.recognizer == "deny_list" and c.label in POLICY.entities:
                covered = set()
                for s in out:
                    covered.update(range(s.start, s.end))
                assert {i for i in range(c.start, c.end) if not TEXT[i].isspace()} <= covered

    check()


def test_a_span_past_the_end_of_the_text_fails_closed():
    # issue 14 item 7: a span past the end was dropped silently (text left unredacted, exit 0)
    from jpt_redact.errors import DetectionError

    with pytest.raises(DetectionError, match="outside the text"):
        resolve("short", [S(0, 9, "PERSON")], POLICY)
