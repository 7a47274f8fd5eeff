"""Property tests of the resolver (issue 14 campaign).

The sort-and-sweep resolver (item 4) must choose exactly what the quadratic rule-5 loop it
replaced chose (kept here as the reference, from commit d285a84), and whatever it is given its
result is sorted, non-overlapping, inside the text and made of the candidates' characters.
"""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_support import examples
from jpt_redact import resolver
from jpt_redact.findings import Span
from jpt_redact.policy import parse_policy

POLICY = parse_policy(r"""
name: t
entities:
  PERSON: {definition: Names of people., allow_list: [ab]}
  LOCATION: {definition: Places and addresses., priority: 1}
  EMAIL: {definition: Email addresses., priority: 2}
  DATE: {definition: Calendar dates., threshold: 0.7, model_requires: '\d'}
""")
LABELS = ("PERSON", "LOCATION", "EMAIL", "DATE", "UNKNOWN")
RECOGNIZERS = ("jpt", "jpt:sigmoid", "pattern:x", "deny_list", "plugin:y")


def reference_rule5(text, candidates, policy):
    """The resolver before item 4: rules 1-4 shared, rule 5 as the quadratic loop it was."""
    kept = []
    allow = {label: {v.strip().casefold() for v in et.allow_list} for label, et in policy.entities.items() if et.allow_list}
    for s in candidates:
        if s.label not in policy.entities:
            continue
        if s.from_model and not resolver._model_span_plausible(text, s, policy, None):
            continue
        if not resolver.is_deny_span(s) and s.label in allow and text[s.start:s.end].strip().casefold() in allow[s.label]:
            continue
        kept.append(s)
    if not kept:
        return ()
    ranked = sorted(resolver._merge_same_label(kept, policy), key=lambda s: resolver._strength(s, policy), reverse=True)
    taken, result = [], []
    for s in ranked:
        pieces = [(s.start, s.end)]
        for ts, te in taken:
            nxt = []
            for ps, pe in pieces:
                if te <= ps or ts >= pe:
                    nxt.append((ps, pe))
                    continue
                if ps < ts:
                    nxt.append((ps, ts))
                if te < pe:
                    nxt.append((te, pe))
            pieces = nxt
        if pieces == [(s.start, s.end)]:
            result.append(s)
            taken.append((s.start, s.end))
            continue
        for ps, pe in pieces:
            ps, pe = resolver._strip(text, ps, pe)
            if pe - ps >= (1 if resolver.is_deny_span(s) else resolver.MIN_REMAINDER):
                result.append(Span(ps, pe, s.label, s.score, s.recognizer, s.explanation))
                taken.append((ps, pe))
    result.sort(key=lambda s: (s.start, s.end))
    return tuple(result)


TEXTS = st.text(st.sampled_from("ab 1\n."), min_size=1, max_size=60)


SCORES = (0.4, 0.6, 0.75, 0.8, 0.9, 1.0)
CASES = st.tuples(TEXTS, st.lists(st.tuples(st.integers(0, 59), st.integers(1, 12), st.integers(0, len(LABELS) - 1),
                                            st.integers(0, len(SCORES) - 1), st.integers(0, len(RECOGNIZERS) - 1)),
                                  max_size=14))


def _spans(text, raw):
    n = len(text)
    out = []
    for start, length, label, score, rec in raw:
        start = start % n
        out.append(Span(start, min(n, start + length), LABELS[label], SCORES[score], RECOGNIZERS[rec]))
    return out


@settings(max_examples=examples("resolver"), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(CASES)
def test_sweep_resolver_chooses_what_the_quadratic_one_did(case):
    text, raw = case
    spans = _spans(text, raw)
    got = resolver.resolve(text, spans, POLICY)
    assert got == reference_rule5(text, spans, POLICY)
    for a, b in zip(got, got[1:]):
        assert a.end <= b.start  # sorted, non-overlapping
    for s in got:
        assert 0 <= s.start < s.end <= len(text) and s.label in POLICY.entities
        assert any(c.start <= s.start and s.end <= c.end or c.label == s.label for c in spans)
