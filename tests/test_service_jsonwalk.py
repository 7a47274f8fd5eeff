"""jsonwalk: what is collected for redaction from a JSON document and how it is put back."""
from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jpt_redact.service.jsonwalk import MAX_DEPTH, PROTOCOL_WORDS, RawNumber, TooDeep, collect, dumps, loads, rebuild


@pytest.mark.parametrize(
    "body, numbers, expected",
    [
        ('{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi Alice"}]}', True, ["gpt-4o", "hi Alice"]),
        ('{"Alice Smith": {"role": "Bob"}}', True, ["Alice Smith", "Bob"]),  # keys too; "role" only as the word
        ('{"ssn": 123456789, "t": 0.5, "ok": true, "none": null}', True, ["ssn", "123456789", "t", "0.5", "ok"]),
        ('{"ssn": 123456789}', False, ["ssn"]),
        ('["user", "assistant", "", "user Alice"]', True, ["user Alice"]),  # protocol words only when exact
        ('{"a": "x", "b": "x", "x": 1}', True, ["a", "x", "b", "1"]),  # distinct, in document order
    ],
)
def test_collect(body, numbers, expected):
    assert collect(loads(body), numbers=numbers) == expected


def test_rebuild_redacts_values_keys_and_numbers():
    doc = loads('{"Alice": {"n": 123456789, "k": 7, "role": "Alice"}, "Bob": "user"}')
    out = rebuild(doc, {"Alice": "<P>", "Bob": "<P>", "n": "n", "123456789": "<SSN>", "k": "k", "7": "7"})
    # colliding keys are kept apart, a changed number becomes a string, an unchanged one stays a number
    assert json.loads(dumps(out)) == {"<P>": {"n": "<SSN>", "k": 7, "role": "<P>"}, "<P>#2": "user"}


def test_a_missing_text_is_an_error_never_the_original():
    with pytest.raises(KeyError):
        rebuild(loads('{"a": "Alice"}'), {"a": "a"})


@pytest.mark.parametrize("literal", ["1e5", "0.10", "-0", "12345678901234567890123", "1E-7"])
def test_number_literals_are_kept_as_written(literal):
    doc = loads(f'{{"x": {literal}}}')
    assert isinstance(doc["x"], RawNumber)
    assert dumps(rebuild(doc, {"x": "x", literal: literal})) == f'{{"x":{literal}}}'


@pytest.mark.parametrize("body", ['{"a": NaN}', '[Infinity]', '[-Infinity]'])
def test_non_json_constants_are_refused(body):
    with pytest.raises(ValueError):
        loads(body)


def test_depth_is_bounded():
    deep = "[" * (MAX_DEPTH + 2) + '"x"' + "]" * (MAX_DEPTH + 2)
    with pytest.raises(TooDeep):
        collect(loads(deep))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_identity_redaction_round_trips(doc):
    body = json.dumps(doc)
    parsed = loads(body)
    texts = collect(parsed)
    assert json.loads(dumps(rebuild(parsed, {t: t for t in texts}))) == json.loads(body)


@settings(max_examples=100, deadline=None)
@given(JSON)
def test_nothing_is_left_unredacted(doc):
    parsed = loads(json.dumps(doc))
    texts = collect(parsed)
    marks = {t: f"<{i}>" for i, t in enumerate(texts)}
    allowed = set(marks.values()) | PROTOCOL_WORDS | {""}

    def check(node):
        if isinstance(node, RawNumber):
            raise AssertionError(f"number {node} left as it was")
        if isinstance(node, str):
            assert node in allowed
        elif isinstance(node, dict):
            for k, v in node.items():
                assert k.split("#")[0] in allowed  # '#2' keeps colliding keys apart
                check(v)
        elif isinstance(node, list):
            for v in node:
                check(v)

    check(loads(dumps(rebuild(parsed, marks))))
