import re
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jpt_redact import registry
from jpt_redact.errors import OperatorError
from jpt_redact.exporters.operators.apply import apply_operators, get_operator, new_context
from jpt_redact.exporters.operators.base import Operator
from jpt_redact.keys import KeyProvider
from jpt_redact.exporters.operators.restore import restore_text
from jpt_redact.findings import Span
from jpt_redact.policy import parse_policy

KEYS = KeyProvider.from_bytes(bytes(range(7, 39)))

POLICY = parse_policy("""
name: apply-test
entities:
  MASKED: {definition: "masked with stars for the test", action: mask}
  REPLACED: {definition: "replaced by a label for the test", action: {replace: {numbered: true}}}
  REMOVED: {definition: "removed entirely for the test", action: redact}
  HASHED: {definition: "hashed with the key for the test", action: {hash: {length: 12}}}
  ENCRYPTED: {definition: "encrypted with AES-SIV for the test", action: encrypt}
  PSEUDO: {definition: "format-preserving surrogate for the test", action: pseudonymize}
  KEPT: {definition: "left as it is for the test", action: keep}
""")
LABELS = sorted(POLICY.entities)


@st.composite
def text_and_spans(draw, alphabet=None, value_alphabet=None):
    if value_alphabet is None:
        text = draw(st.text(alphabet=alphabet, max_size=80) if alphabet else st.text(max_size=80))
    else:  # gaps from `alphabet`, span values from `value_alphabet`
        parts = draw(st.lists(st.tuples(st.text(alphabet=alphabet, max_size=6),
                                        st.text(alphabet=value_alphabet, min_size=1, max_size=8)), max_size=6))
        text, spans, pos = "", [], 0
        for gap, value in parts:
            text += gap + value
            spans.append(Span(len(text) - len(value), len(text), draw(st.sampled_from(LABELS)), 0.9))
        return text, spans
    cuts = sorted(draw(st.sets(st.integers(0, len(text)), max_size=12)))
    spans = []
    for a, b in zip(cuts[::2], cuts[1::2]):
        spans.append(Span(a, b, draw(st.sampled_from(LABELS)), draw(st.floats(0, 1))))
    return text, spans


def rebuild(text, findings):
    """The output implied by the findings: gaps untouched, each span replaced as reported."""
    out, cursor = [], 0
    for f in findings:
        out.append(text[cursor:f.span.start])
        out.append(text[f.span.start:f.span.end] if f.action == "keep" else f.replacement)
        cursor = f.span.end
    return "".join(out) + text[cursor:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text_and_spans())
def test_spans_are_fully_replaced_and_nothing_else_changes(case):
    text, spans = case
    out, findings = apply_operators(text, spans, POLICY, new_context(KEYS))
    assert [f.span for f in findings] == sorted(spans, key=lambda s: s.start)
    assert out == rebuild(text, findings)
    for f in findings:
        value = text[f.span.start:f.span.end]
        assert f.value_hash == KEYS.hmac_hex(value, f.span.label)
        if f.action == "keep":
            assert f.replacement is None
            continue
        # a value that is already all mask characters has nothing left to hide
        assert f.replacement != value or (f.action == "mask" and set(value) <= {"*"})
        if f.action == "mask":  # same length, no original character left at its position
            assert len(f.replacement) == len(value)
            assert all(r == "*" for r in f.replacement)
        elif f.action == "redact":
            assert f.replacement == ""
        elif f.action == "pseudonymize":  # fallback surrogate: same length, same character classes
            assert len(f.replacement) == len(value)
        elif f.action == "hash":
            assert re.fullmatch(r"[0-9a-f]{12}", f.replacement)
        elif f.action == "replace":
            assert re.fullmatch(r"<REPLACED_\d+>", f.replacement)
    if "[ENC:" not in text:  # restoring brings back exactly the encrypted values
        expected = rebuild(text, [f if f.action != "encrypt" else type(f)(f.span, "keep") for f in findings])
        assert restore_text(out, KEYS) == expected


@settings(max_examples=100, deadline=None)
@given(text_and_spans(alphabet="xyz .,\n", value_alphabet="αβγδεζηθ"))
def test_no_character_of_a_redacted_value_survives_anywhere(case):
    # Span values use Greek letters, gaps and all operator outputs do not: so any Greek letter
    # in the output must come from a kept span.
    text, spans = case
    out, findings = apply_operators(text, spans, POLICY, new_context(KEYS))
    kept = sum(f.span.length for f in findings if f.action == "keep")
    assert sum(c in "αβγδεζηθ" for c in out) == kept
    for f in findings:
        value = text[f.span.start:f.span.end]
        if f.action != "keep":
            assert value not in out or any(value in text[g.span.start:g.span.end] for g in findings if g.action == "keep")


def test_findings_without_key_have_no_value_hash_and_keyed_actions_refuse():
    text = "call Ann now"
    spans = [Span(5, 8, "MASKED", 0.9)]
    out, findings = apply_operators(text, spans, POLICY, new_context(KeyProvider.none()))
    assert out == "call *** now" and findings[0].value_hash is None
    with pytest.raises(OperatorError, match="no key"):
        apply_operators(text, [Span(5, 8, "HASHED", 0.9)], POLICY, new_context(KeyProvider.none()))


def test_redact_collapses_double_spaces_when_asked():
    policy = parse_policy("""
name: t
entities:
  PERSON: {definition: "a person's name for the test", action: {redact: {collapse_spaces: true}}}
  LOCATION: {definition: "a location name for the test", action: redact}
""")
    ctx = new_context(KEYS)
    assert apply_operators("call Ann now", [Span(5, 8, "PERSON", 1)], policy, ctx)[0] == "call now"
    assert apply_operators("call Ann now", [Span(5, 8, "LOCATION", 1)], policy, ctx)[0] == "call  now"
    assert apply_operators("Ann, hi", [Span(0, 3, "PERSON", 1)], policy, ctx)[0] == ", hi"


@pytest.mark.parametrize("spans", [
    [Span(0, 5, "MASKED", 1), Span(3, 8, "MASKED", 1)],
    [Span(0, 50, "MASKED", 1)],
])
def test_overlapping_or_out_of_range_spans_are_rejected(spans):
    with pytest.raises(OperatorError):
        apply_operators("short text", spans, POLICY, new_context(KEYS))


def test_unordered_spans_are_sorted():
    out, findings = apply_operators("ab cd", [Span(3, 5, "MASKED", 1), Span(0, 2, "MASKED", 1)], POLICY,
                                    new_context(KEYS))
    assert out == "** **" and [f.span.start for f in findings] == [0, 3]


def test_operator_instances_are_cached_per_type_and_params():
    assert get_operator("mask", {"keep_last": 2}) is get_operator("mask", {"keep_last": 2})
    assert get_operator("mask", {"keep_last": 2}) is not get_operator("mask", {"keep_last": 3})


def test_third_party_operators_come_from_the_registry():
    class Upper(Operator):
        name = "test_upper"
        defaults: dict = {}

        def apply(self, value, label, ctx):
            return value.upper()

    registry.operators.register("test_upper", Upper)
    try:
        assert get_operator("test_upper").apply("ann", "PERSON", new_context(KEYS)) == "ANN"
    finally:
        registry.operators.unregister("test_upper")


def test_run_scope_numbering_is_consistent_across_threads():
    policy = parse_policy("""
name: t
entities:
  PERSON: {definition: "a person's name for the test", action: {replace: {numbered: true, scope: run}}}
""")
    run_state: dict = {}
    names = ["Ann", "Bob", "Cy", "Dee"]
    results: list[dict] = []
    lock = threading.Lock()

    def work(offset):
        for i in range(20):
            ordered = names[(offset + i) % 4:] + names[:(offset + i) % 4]
            text = " ".join(ordered)
            spans, pos = [], 0
            for n in ordered:
                spans.append(Span(pos, pos + len(n), "PERSON", 1))
                pos += len(n) + 1
            out, _ = apply_operators(text, spans, policy, new_context(KEYS, run_state))
            with lock:
                results.append(dict(zip(ordered, out.split(" "))))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    mapping = results[0]
    assert all(r == mapping for r in results)
    assert sorted(mapping.values()) == ["<PERSON_1>", "<PERSON_2>", "<PERSON_3>", "<PERSON_4>"]
