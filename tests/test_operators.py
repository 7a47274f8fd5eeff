import re

import pytest

from jpt_redact import registry
from jpt_redact.errors import OperatorError
from jpt_redact.exporters.operators.base import Operator, OperatorContext
from jpt_redact.keys import NO_KEY_MESSAGE, KeyProvider
from jpt_redact.exporters.operators.restore import restore_text

KEYS = KeyProvider.from_bytes(bytes(range(1, 33)))
OTHER_KEYS = KeyProvider.from_bytes(bytes(range(2, 34)))


def ctx(keys=KEYS, run_state=None):
    return OperatorContext(keys=keys, doc_state={}, run_state=run_state if run_state is not None else {})


def op(name, **params):
    return registry.operators.get(name)(**params)


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def test_all_builtin_operators_are_registered_through_entry_points():
    names = {"mask", "replace", "redact", "hash", "pseudonymize", "encrypt", "keep"}
    assert names <= set(registry.operators.names())
    for name in names:
        cls = registry.operators.get(name)
        assert issubclass(cls, Operator) and cls.name == name


# (operator, params, value, label, expected: exact string or re.Pattern that must fullmatch)
CASES = [
    ("mask", {}, "John Smith", "PERSON", "**********"),
    ("mask", {"char": "#"}, "abc", "PERSON", "###"),
    ("mask", {"keep_last": 4}, "4111111111111234", "CREDIT_CARD", "************1234"),
    ("mask", {"keep_first": 1, "keep_last": 1}, "secret", "PASSWORD", "s****t"),
    ("mask", {"keep_last": 4, "preserve_separators": True}, "4111-1111-1111-1234", "CREDIT_CARD", "****-****-****-1234"),
    ("mask", {"preserve_separators": True}, "a.b@c.de", "EMAIL_ADDRESS", "*.*@*.**"),
    ("mask", {"keep_last": 4}, "1234", "PIN", "****"),  # keeping 4 of 4 would reveal it all
    ("mask", {"keep_first": 2, "keep_last": 2}, "abc", "X", "***"),
    ("mask", {}, "Zoë 李", "PERSON", "*****"),
    ("replace", {}, "John", "PERSON", "<PERSON>"),
    ("replace", {"template": "[{label} removed]"}, "John", "PERSON", "[PERSON removed]"),
    ("replace", {"numbered": True}, "John", "PERSON", "<PERSON_1>"),
    ("replace", {"template": "{label}#{n}"}, "John", "PERSON", "PERSON#1"),
    ("redact", {}, "John", "PERSON", ""),
    ("redact", {"collapse_spaces": True}, "John", "PERSON", ""),
    ("keep", {}, "John", "PERSON", "John"),
    ("hash", {}, "John", "PERSON", re.compile(r"[0-9a-f]{16}")),
    ("hash", {"length": 64, "prefix": "h:"}, "John", "PERSON", re.compile(r"h:[0-9a-f]{64}")),
    ("hash", {"length": 8}, "John", "PERSON", re.compile(r"[0-9a-f]{8}")),
    ("encrypt", {}, "123-45-6789", "US_SSN", re.compile(r"\[ENC:US_SSN:[A-Za-z0-9_-]+\]")),
    ("pseudonymize", {}, "John Smith", "PERSON", re.compile(r"[A-Z][a-zA-Z'-]+ [A-Z][a-zA-Z'-]+")),
    ("pseudonymize", {}, "john.smith@example.com", "EMAIL_ADDRESS", re.compile(r"[^@\s]+@[^@\s]+\.[a-z]+")),
    ("pseudonymize", {}, "(555) 123-4567", "PHONE_NUMBER", re.compile(r"\(\d{3}\) \d{3}-\d{4}")),
    ("pseudonymize", {}, "+44 20 7946 0958", "PHONE_NUMBER", re.compile(r"\+44 \d\d \d{4} \d{4}")),
    ("pseudonymize", {}, "4111 1111 1111 1111", "CREDIT_CARD", re.compile(r"\d{4} \d{4} \d{4} \d{4}")),
    ("pseudonymize", {}, "123-45-6789", "US_SSN", re.compile(r"\d{3}-\d{2}-\d{4}")),
    ("pseudonymize", {}, "2021-03-04", "DATE", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("pseudonymize", {}, "03/04/2021", "DATE", re.compile(r"\d{2}/\d{2}/\d{4}")),
    ("pseudonymize", {}, "Springfield", "LOCATION", re.compile(r"[A-Z].+")),
    ("pseudonymize", {}, "Acme Corp", "ORGANIZATION", re.compile(r".+")),
    ("pseudonymize", {}, "AB-12cd", "EMPLOYEE_ID", re.compile(r"[A-Z]{2}-\d{2}[a-z]{2}")),
]


@pytest.mark.parametrize("name,params,value,label,expected", CASES)
def test_operator_table(name, params, value, label, expected):
    out = op(name, **params).apply(value, label, ctx())
    if isinstance(expected, re.Pattern):
        assert expected.fullmatch(out), out
        assert out != value
    else:
        assert out == expected


@pytest.mark.parametrize(
    "name,params,message",
    [
        ("mask", {"colour": "red"}, "unknown parameter 'colour'"),
        ("mask", {"char": "**"}, "exactly one character"),
        ("mask", {"keep_last": -1}, ">= 0"),
        ("mask", {"keep_last": "4"}, "must be an integer"),
        ("mask", {"keep_first": True}, "must be an integer"),
        ("mask", {"preserve_separators": "yes"}, "true or false"),
        ("replace", {"template": "<{value}>"}, "only use"),
        ("replace", {"template": "<{label"}, "not a valid template"),
        ("replace", {"scope": "global"}, "one of document, run"),
        ("redact", {"collapse_spaces": 1}, "true or false"),
        ("hash", {"length": 4}, ">= 8"),
        ("hash", {"length": 65}, "<= 64"),
        ("hash", {"salt": "x"}, "unknown parameter"),
        ("pseudonymize", {"locale": "english"}, "en_US"),
        ("encrypt", {"mode": "gcm"}, "unknown parameter"),
        ("keep", {"x": 1}, "accepted: none"),
    ],
)
def test_bad_parameters_are_rejected_with_a_clear_message(name, params, message):
    with pytest.raises(OperatorError, match=re.escape(message)) as err:
        op(name, **params)
    assert repr(name) in str(err.value)


@pytest.mark.parametrize("name", ["hash", "pseudonymize", "encrypt"])
def test_keyed_operators_refuse_without_a_key(name):
    with pytest.raises(OperatorError, match=NO_KEY_MESSAGE):
        op(name).apply("555-0100", "PHONE_NUMBER", ctx(KeyProvider.none()))


def test_hash_refusal_explains_why():
    with pytest.raises(OperatorError, match="low-entropy"):
        op("hash").apply("Ann", "PERSON", ctx(KeyProvider.none()))


def test_hash_is_keyed_deterministic_and_matches_value_hash():
    h = op("hash", length=64)
    assert h.apply("Ann", "PERSON", ctx()) == h.apply("Ann", "PERSON", ctx()) == KEYS.hmac_hex("Ann", "PERSON")
    assert h.apply("Ann", "PERSON", ctx()) != h.apply("Ann", "PERSON", ctx(OTHER_KEYS))
    assert h.apply("Ann", "PERSON", ctx()) != h.apply("Ann", "LOCATION", ctx())


def test_replace_numbering_per_document_and_per_run():
    doc = op("replace", numbered=True)
    c = ctx()
    got = [doc.apply(v, "PERSON", c) for v in ["Ann", "Bob", "Ann"]] + [doc.apply("Ann", "LOCATION", c)]
    assert got == ["<PERSON_1>", "<PERSON_2>", "<PERSON_1>", "<LOCATION_1>"]
    assert doc.apply("Bob", "PERSON", c.for_next_document()) == "<PERSON_1>"  # document scope restarts

    run = op("replace", numbered=True, scope="run")
    shared: dict = {}
    c1, c2 = ctx(run_state=shared), ctx(run_state=shared)
    assert [run.apply("Ann", "PERSON", c1), run.apply("Bob", "PERSON", c2), run.apply("Ann", "PERSON", c2)] == [
        "<PERSON_1>", "<PERSON_2>", "<PERSON_1>"]
    assert "Ann" not in repr(shared) and "Bob" not in repr(shared)  # state keyed by digests


def test_pseudonymize_is_consistent_per_value_and_key():
    p = op("pseudonymize")
    for value, label in [("John Smith", "PERSON"), ("555-123-4567", "PHONE_NUMBER"), ("x@y.org", "EMAIL_ADDRESS")]:
        a = p.apply(value, label, ctx())
        assert a == op("pseudonymize").apply(value, label, ctx())  # fresh operator, same key
        assert a != p.apply(value, label, ctx(OTHER_KEYS))
    assert p.apply("John Smith", "PERSON", ctx()) != p.apply("Jane Smith", "PERSON", ctx())


@pytest.mark.parametrize("card", ["4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005", "4012888888881881"])
def test_pseudonymized_credit_cards_keep_layout_and_are_luhn_valid(card):
    out = op("pseudonymize").apply(card, "CREDIT_CARD", ctx())
    assert [c.isdigit() for c in out] == [c.isdigit() for c in card]
    assert [c for c in out if not c.isdigit()] == [c for c in card if not c.isdigit()]
    digits = "".join(c for c in out if c.isdigit())
    assert luhn_ok(digits) and digits != "".join(c for c in card if c.isdigit())


@pytest.mark.parametrize("ssn", ["123-45-6789", "078051120", "219 09 9999"])
def test_pseudonymized_ssn_keeps_layout_and_valid_ranges(ssn):
    from stdnum.us import ssn as stdssn

    for i in range(20):  # many values: the ranges must hold for every draw
        out = op("pseudonymize").apply(ssn[:-1] + str(i % 10), "US_SSN", ctx())
        assert [c.isdigit() for c in out] == [c.isdigit() for c in ssn]
        digits = "".join(c for c in out if c.isdigit())
        assert stdssn.is_valid(digits), digits


def test_pseudonymized_phone_preserves_each_digit_position():
    value = "+1 (415) 555-0172 ext. 9"
    out = op("pseudonymize").apply(value, "PHONE_NUMBER", ctx())
    assert len(out) == len(value) and out.startswith("+1 (")
    assert all(a.isdigit() == b.isdigit() for a, b in zip(value, out))
    assert all(a == b for a, b in zip(value, out) if not a.isdigit())


def test_pseudonymize_never_returns_the_value_even_for_one_digit():
    p = op("pseudonymize")
    assert all(p.apply(str(d), "PHONE_NUMBER", ctx()) != str(d) for d in range(10))
    assert all(p.apply(c, "CODE", ctx()) != c for c in "aZ")


def test_encrypt_is_deterministic_and_restores():
    e = op("encrypt")
    token = e.apply("123-45-6789", "US_SSN", ctx())
    assert token == e.apply("123-45-6789", "US_SSN", ctx())
    assert "123" not in token.split(":", 2)[2]
    text = f"ssn {token}, name {e.apply('Zoë 李', 'PERSON', ctx())}."
    assert restore_text(text, KEYS) == "ssn 123-45-6789, name Zoë 李."


def test_restore_with_wrong_key_or_edited_token_raises():
    token = op("encrypt").apply("Ann Lee", "PERSON", ctx())
    with pytest.raises(OperatorError, match="wrong key") as err:
        restore_text("x " + token, OTHER_KEYS)
    assert "offset 2" in str(err.value) and "Ann" not in str(err.value)
    body = token[len("[ENC:PERSON:"):-1]
    tampered = "[ENC:PERSON:" + ("A" if body[0] != "A" else "B") + body[1:] + "]"
    with pytest.raises(OperatorError):
        restore_text(tampered, KEYS)
    with pytest.raises(OperatorError):  # the label is authenticated: moving a token fails
        restore_text(token.replace("PERSON", "LOCATION"), KEYS)
    with pytest.raises(OperatorError, match=NO_KEY_MESSAGE):
        restore_text(token, KeyProvider.none())


def test_restore_leaves_text_without_tokens_alone():
    assert restore_text("no tokens [ENC:lower:abc] here", KeyProvider.none()) == "no tokens [ENC:lower:abc] here"
