"""Property tests of every operator (issue 14 campaign).

Whatever the value and the type label: every built-in operator returns a string and raises
nothing but an OperatorError; the operators that hide a value never return it (nor, for the
planted values, any text containing it); the keyed ones are deterministic under one key;
encrypt round-trips through restore. Whatever the parameters a policy gives an operator, it is
built or refused with an OperatorError, never another exception. And apply_operators, given
any set of disjoint spans, removes every planted value a span covers.
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz_support import FILLER, PLANTED, examples
from jpt_redact import registry
from jpt_redact.errors import OperatorError
from jpt_redact.exporters.operators.apply import apply_operators, get_operator, new_context
from jpt_redact.exporters.operators.restore import restore_text
from jpt_redact.findings import Span
from jpt_redact.keys import KeyProvider
from jpt_redact.policy import parse_policy

KEYS = KeyProvider.from_text("hex:" + bytes(range(0x41, 0x61)).hex())
BUILTIN = ("encrypt", "hash", "keep", "mask", "pseudonymize", "redact", "replace")
HIDING = ("encrypt", "hash", "pseudonymize", "redact", "replace")  # mask shows what keep_first/last allow
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

LABELS = st.from_regex(r"\A[A-Z][A-Z0-9_]{0,20}\Z").filter(lambda s: not s.endswith("_"))
VALUES = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40),
                   PLANTED.map(lambda p: p[1]))
PARAMS = {
    "mask": st.fixed_dictionaries({}, optional={"char": st.sampled_from(["*", "#", "x", "•"]),
                                                "keep_first": st.integers(0, 6), "keep_last": st.integers(0, 6),
                                                "preserve_separators": st.booleans()}),
    "replace": st.fixed_dictionaries({}, optional={
        "template": st.sampled_from(["<{label}>", "[{label}:{n}]", "REDACTED", "{label}", "<{label}>#{n}"]),
        "numbered": st.booleans(), "scope": st.sampled_from(["document", "run"])}),
    "hash": st.fixed_dictionaries({}, optional={"length": st.integers(8, 64), "prefix": st.sampled_from(["", "h:", "#"])}),
    "redact": st.fixed_dictionaries({}, optional={"collapse_spaces": st.booleans()}),
    "pseudonymize": st.fixed_dictionaries({}, optional={"locale": st.sampled_from(["en_US", "de_DE", "fr_FR"])}),
}


def _visible_by_design(name: str, op, value: str) -> bool:
    """True when the operator may return the value unchanged: keep, or a mask over characters
    that are all the mask character already (or all separators with preserve_separators)."""
    if name == "keep":
        return True
    if name == "mask":
        maskable = [c for c in value if c.isalnum()] if op.params["preserve_separators"] else list(value)
        return all(c == op.params["char"] for c in maskable)
    return False


@pytest.mark.parametrize("name", BUILTIN)
def test_every_operator_on_any_value(name):
    @settings(max_examples=examples("operators") // len(BUILTIN), **SETTINGS)
    @given(VALUES, LABELS, PARAMS.get(name, st.just({})), st.booleans())
    def check(value, label, params, planted_only):
        op = get_operator(name, params)
        ctx = new_context(keys=KEYS)
        out = op.apply(value, label, ctx)
        assert isinstance(out, str)
        if not _visible_by_design(name, op, value):
            assert out != value
        if name in HIDING and len(value) >= 6:
            assert value not in out  # e.g. a replace template or a pseudonym never quotes the value
        if name in ("encrypt", "hash", "pseudonymize"):
            again = op.apply(value, label, new_context(keys=KEYS))
            assert again == out  # keyed: one value, one output under one key (joins across documents)
        if name == "mask":
            assert len(out) == len(value)

    check()


def _param_values():
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                       st.text(max_size=12))
    return st.recursive(scalar, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
                        max_leaves=6)


@settings(max_examples=examples("operator_params"), **SETTINGS)
@given(st.sampled_from(BUILTIN),
       st.dictionaries(st.sampled_from(["char", "keep_first", "keep_last", "preserve_separators", "template",
                                        "numbered", "scope", "length", "prefix", "collapse_spaces", "locale",
                                        "mode", ""]), _param_values(), max_size=4))
def test_any_parameters_are_accepted_or_refused_with_an_operator_error(name, params):
    cls = registry.operators.get(name)
    try:
        op = cls(**params)  # directly: get_operator would turn a stray exception into a PluginError
    except OperatorError as exc:
        assert name in str(exc)
        return
    assert isinstance(op.apply("Alice Smith", "PERSON", new_context(keys=KEYS)), str)


POLICY = parse_policy("""
name: ops
entities:
  A: {definition: "values redacted with the mask operator", action: {mask: {keep_last: 2}}, model: false, deny_list: [x]}
  B: {definition: "values replaced with a numbered placeholder", action: {replace: {numbered: true}}, model: false, deny_list: [x]}
  C: {definition: "values hashed with the key", action: hash, model: false, deny_list: [x]}
  D: {definition: "values encrypted with the key", action: encrypt, model: false, deny_list: [x]}
  E: {definition: "values replaced by a pseudonym", action: pseudonymize, model: false, deny_list: [x]}
  F: {definition: "values removed from the text", action: {redact: {collapse_spaces: true}}, model: false, deny_list: [x]}
""")


@settings(max_examples=examples("apply_spans"), **SETTINGS)
@given(st.lists(st.tuples(FILLER, PLANTED, st.sampled_from("BCDEF")), min_size=1, max_size=5), FILLER)
def test_apply_operators_removes_every_covered_value(parts, tail):
    text, spans, values = "", [], []
    for filler, (_, value), label in parts:
        text += filler + " "
        spans.append(Span(len(text), len(text) + len(value), label, 0.9, "pattern:x"))
        text += value + " "
        values.append(value)
    text += tail
    out, findings = apply_operators(text, spans, POLICY, new_context(keys=KEYS))
    assert [v for v in values if v in out] == []
    assert len(findings) == len(spans)
    assert all(f.value_hash == KEYS.hmac_hex(text[f.span.start:f.span.end], f.span.label) for f in findings)
    assert all(f.replacement is None or f.replacement not in values for f in findings)


@settings(max_examples=examples("encrypt_round_trip"), **SETTINGS)
@given(st.lists(st.tuples(st.text(max_size=10), VALUES, LABELS), min_size=1, max_size=4), st.text(max_size=10))
def test_encrypt_round_trips_through_restore(parts, tail):
    op = get_operator("encrypt", {})
    plain, sealed = "", ""
    for gap, value, label in parts:
        gap = gap.replace("[ENC:", "")  # the gaps are the document's own text, not tokens
        plain += gap + value
        sealed += gap + op.apply(value, label, new_context(keys=KEYS))
    tail = tail.replace("[ENC:", "")
    assert restore_text(sealed + tail, KEYS) == plain + tail
    other = KeyProvider.from_text("hex:" + bytes(range(0x81, 0xA1)).hex())
    with pytest.raises(OperatorError, match="wrong key"):
        restore_text(sealed, other)  # another key never yields a plaintext
