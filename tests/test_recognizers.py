"""Table tests for the built-in pattern recognizers and the recognizer glue."""
from __future__ import annotations

import pytest

from jpt_redact import registry
from jpt_redact.errors import PluginError, PolicyError
from jpt_redact.findings import Span
from jpt_redact.policy import PatternSpec, parse_policy
from jpt_redact.recognizer import (
    DenyListRecognizer,
    PatternRecognizer,
    Recognizer,
    build_recognizers,
    registered_recognizer,
    run_recognizers,
)

PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n-----END RSA PRIVATE KEY-----"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"

# (recognizer, text, expected values in order). Empty list = must find nothing.
CASES = [
    # email
    ("email", "Mail john.doe+x@example.co.uk, please.", ["john.doe+x@example.co.uk"]),
    ("email", "user@localhost and @jane and example.com", []),
    ("email", "ADMIN_EMAIL=vparikh@gmail.com\nto:'ana.b@x.io'", ["vparikh@gmail.com", "ana.b@x.io"]),
    # phone
    ("phone", "Call (415) 555-2671 or +44 20 7946 0958.", ["(415) 555-2671", "+44 20 7946 0958"]),
    ("phone", "Berlin office: +49 30 901820", ["+49 30 901820"]),
    ("phone", "Order 12345678 costs 1299.99 (v1.2.3).", []),
    ("phone", "from 215.24.50.197 on 2021-03-05, card 4998139981492616", []),  # libphonenumber alone accepts these
    ("phone", "Tel. 0170 1234567 ext. 12", ["0170 1234567 ext. 12"]),
    ("phone", "order=#043803, id 0286521, user 019794", []),  # short bare runs are ids, not numbers
    ("phone", "call 4155552671 or 07700900123", ["4155552671", "07700900123"]),
    ("phone", "lines (212) 555-0143 (212) 555-0199 (212) 555-0100", ["(212) 555-0143", "(212) 555-0199", "(212) 555-0100"]),
    # us_ssn
    ("us_ssn", "SSN 536-90-4399 on file", ["536-90-4399"]),
    ("us_ssn", "ssn: 536904399", ["536904399"]),
    ("us_ssn", "order 536904399", []),  # nine bare digits need an SSN context
    ("us_ssn", "000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000", []),
    ("us_ssn", "advertising number 078-05-1120", []),
    ("us_ssn", "zip 94105-1234 and EIN 12-3456789", []),
    # credit_card
    ("credit_card", "card 4111 1111 1111 1111 exp", ["4111 1111 1111 1111"]),
    ("credit_card", "amex 378282246310005, mc 5500-0000-0000-0004", ["378282246310005", "5500-0000-0000-0004"]),
    ("credit_card", "Luhn-invalid 4111 1111 1111 1112", []),
    ("credit_card", "order id 1234567812345670", []),  # Luhn-valid but no issuer starts with 1
    ("credit_card", "mixed 4111 1111-1111 1111", []),
    ("credit_card", "price 4,111,111.11 and 0000000000000000", []),
    ("credit_card", "1,Ann Lee,4111 1111 1111 1111,20.00", ["4111 1111 1111 1111"]),  # CSV cells
    ("credit_card", "2,4111111111111111,3.50", ["4111111111111111"]),
    ("credit_card", "total 1,234,567,890,123,456 and 3.4111111111111111", []),  # thousands, decimals
    # iban
    ("iban", "IBAN DE89 3704 0044 0532 0130 00, thanks", ["DE89 3704 0044 0532 0130 00"]),
    ("iban", "GB82WEST12345698765432", ["GB82WEST12345698765432"]),
    ("iban", "GB82 WEST 1234 5698 7654 32 ACCOUNT", ["GB82 WEST 1234 5698 7654 32"]),
    ("iban", "bad check digits DE89 3704 0044 0532 0130 01", []),
    # national_id
    ("national_id", "NINO AB 12 34 56 C", ["AB 12 34 56 C"]),
    ("national_id", "prefix BG is never issued: BG 12 34 56 C", []),
    ("national_id", "NHS number 943 476 5919", ["943 476 5919"]),
    ("national_id", "call 943 476 5919", []),  # valid NHS checksum but no context
    ("national_id", "Steuer-ID 86095742719", ["86095742719"]),
    ("national_id", "NIR 1 84 12 76 451 089 46", ["1 84 12 76 451 089 46"]),
    ("national_id", "DNI 12345678Z and NIE X1234567L", ["12345678Z", "X1234567L"]),
    ("national_id", "DNI 12345678A", []),  # wrong check letter
    ("national_id", "CF RSSMRA85T10A562S", ["RSSMRA85T10A562S"]),
    ("national_id", "Aadhaar 2341 2341 2346", ["2341 2341 2346"]),
    ("national_id", "BSN 111222333", ["111222333"]),
    ("national_id", "BSN 111222334", []),
    # ip_address
    ("ip_address", "from 192.168.0.1 and 2001:db8::1 via 10.0.0.0/8", ["192.168.0.1", "2001:db8::1", "10.0.0.0/8"]),
    ("ip_address", "version 1.2.3.4, v1.2.3.4, 999.1.1.1, 1.2.3.4.5, at 12:30:45", []),
    # mac_address
    ("mac_address", "mac 00:1A:2B:3C:4D:5E or 001a.2b3c.4d5e", ["00:1A:2B:3C:4D:5E", "001a.2b3c.4d5e"]),
    ("mac_address", "00:00:00:00:00:00 and 1234.5678.9012", []),
    # url
    ("url", "see https://example.com/path?q=1). and www.foo.org.", ["https://example.com/path?q=1", "www.foo.org"]),
    ("url", "(http://x.com/a_(b))", ["http://x.com/a_(b)"]),
    ("url", "http://foo is not a public host; example.com has no scheme", []),
    # date
    ("date", "on 2021-03-05, 03/05/2021, 31.12.1999", ["2021-03-05", "03/05/2021", "31.12.1999"]),
    ("date", "March 5, 2021 or 5 Mar 2021 or 5th of March", ["March 5, 2021", "5 Mar 2021", "5th of March"]),
    ("date", "at 2021-03-05T10:00:00Z in June 2020", ["2021-03-05T10:00:00Z", "June 2020"]),
    # a dot ending the date ends the sentence; one inside it abbreviates the month
    ("date", "charged on 2 May. Could you, and on 5 Mar. 2021", ["2 May", "5 Mar. 2021"]),
    ("date", "version 1.2.3, ratio 3/4, year 2021, 13/13/2021, 2021-02-30, 1.2.21, 42", []),
    ("date", "deploy of 8.25.29 and 11.26.86, but 5/3/21 and 31.12.1999", ["5/3/21", "31.12.1999"]),
    # cvv
    ("cvv", "CVV: 123 and security code is 4567", ["123", "4567"]),
    ("cvv", "the code 123, room 456", []),
    # card_expiry
    ("card_expiry", "exp 04/27; Expiry date: 12/2026", ["04/27", "12/2026"]),
    ("card_expiry", "on 04/27, exp 13/27", []),
    # api_key
    ("api_key", "key AKIAIOSFODNN7EXAMPLE here", ["AKIAIOSFODNN7EXAMPLE"]),
    ("api_key", "stripe sk_live_4eC39HqLyjWDarjtT1zdp7dc", ["sk_live_4eC39HqLyjWDarjtT1zdp7dc"]),
    ("api_key", "token " + JWT, [JWT]),
    ("api_key", "api_key=abcd1234efgh5678ijkl", ["abcd1234efgh5678ijkl"]),
    ("api_key", "Authorization: Bearer abcdefghij1234567890XYZ", ["abcdefghij1234567890XYZ"]),
    ("api_key", "api_key=YOUR_API_KEY_HERE and token=xxxxxxxxxxxxxxxx", []),
    # private_key
    ("private_key", "key:\n" + PEM + "\nend", [PEM]),
    ("private_key", "-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----", []),
    # password
    ("password", 'password="hunter22" and pwd: s3cr3t!x', ["hunter22", "s3cr3t!x"]),
    ("password", "my password is Tr0ub4dor&3.", ["Tr0ub4dor&3"]),
    # sudo's PWD= is the working directory; a password may still follow
    ("password", "sudo: mgarcia : TTY=pts/0 ; PWD=/home/mgarcia ; USER=root ; pwd=Zq9!x7Lm", ["Zq9!x7Lm"]),
    ("password", "password=**** password: ${DB_PASS} the password field is required", []),
    # connection_string
    ("connection_string", "DATABASE_URL=postgres://admin:s3cret@db.example.com:5432/app.",
     ["postgres://admin:s3cret@db.example.com:5432/app"]),
    ("connection_string", "Server=tcp:x.net;Database=db;User Id=sa;Password=P@ss;",
     ["Server=tcp:x.net;Database=db;User Id=sa;Password=P@ss;"]),
    ("connection_string", "postgres://db.example.com/app has no password", []),
    # high_entropy
    ("high_entropy", "token 8f7Ab3kL9qZ2xR5tW1mN4pV6yC0dE7hJ", ["8f7Ab3kL9qZ2xR5tW1mN4pV6yC0dE7hJ"]),
    ("high_entropy", "commit 3f786850e387550fdab836ed7e6dc881de23001b in CamelCaseIdentifierNameForThing1", []),
    # secret (union)
    ("secret", "aws AKIAIOSFODNN7EXAMPLE and password: hunter22!", ["AKIAIOSFODNN7EXAMPLE", "hunter22!"]),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES)
def test_recognizer_table(name: str, text: str, expected: list[str]) -> None:
    found = registered_recognizer(name).find(text)
    assert [text[s:e] for s, e, _ in sorted(found)] == expected
    for s, e, score in found:
        assert 0 <= s < e <= len(text) and 0 < score <= 1


@pytest.mark.parametrize(
    ("name", "text", "low", "high"),
    [
        ("credit_card", "4111 1111 1111 1111", 0.95, 1.0),  # checksum-validated
        ("iban", "DE89370400440532013000", 0.95, 1.0),
        ("national_id", "DNI 12345678Z", 0.9, 1.0),
        ("national_id", "AB123456C", 0.6, 0.8),  # format only: lower
        ("high_entropy", "8f7Ab3kL9qZ2xR5tW1mN4pV6yC0dE7hJ", 0.5, 0.7),
        ("phone", "+44 20 7946 0958", 0.85, 0.95),
        ("phone", "(415) 555-2671", 0.75, 0.85),
    ],
)
def test_scores_are_calibrated(name: str, text: str, low: float, high: float) -> None:
    (_, _, score), = registered_recognizer(name).find(text)
    assert low <= score <= high


def test_every_builtin_is_registered_and_follows_the_protocol() -> None:
    for name in [c[0] for c in CASES]:
        assert name in registry.recognizers
        rec = registered_recognizer(name)
        assert isinstance(rec, Recognizer)
        assert rec.name == f"pattern:{name}"
    assert registered_recognizer("email") is registered_recognizer("email")  # instances are cached


@pytest.mark.parametrize(
    ("spec", "text", "expected"),
    [
        (dict(name="fax", regex=r"(?i)fax:\s*(?P<value>[\d-]+)"), "Fax: 555-0199 now", ["555-0199"]),
        (dict(name="card", regex=r"\d{16}", validator="luhn"), "4111111111111111 4111111111111112", ["4111111111111111"]),
        (dict(name="iban", regex=r"[A-Z]{2}\d{20}", validator="iban"), "DE89370400440532013000 DE89370400440532013001",
         ["DE89370400440532013000"]),
        (dict(name="ssn", regex=r"\d{3}-\d{2}-\d{4}", validator="stdnum:us.ssn"), "536-90-4399 000-12-3456", ["536-90-4399"]),
        (dict(name="dni", regex=r"\d{8}[A-Z]", validator="stdnum:es.dni"), "12345678Z 12345678A", ["12345678Z"]),
        (dict(name="tel", regex=r"\+[\d ]{8,16}\d", validator="phone"), "+44 20 7946 0958 and +44 00 0000 0000", ["+44 20 7946 0958"]),
        (dict(name="word", regex="secret", ignore_case=True), "SECRET secret", ["SECRET", "secret"]),
    ],
)
def test_pattern_recognizer(spec: dict, text: str, expected: list[str]) -> None:
    rec = PatternRecognizer(PatternSpec(**spec))
    assert rec.name == f"pattern:{spec['name']}"
    assert [text[s:e] for s, e, _ in rec.find(text)] == expected


@pytest.mark.parametrize(
    ("values", "text", "expected"),
    [
        (["Acme"], "ACME and acme, but not Acmeville", ["ACME", "acme"]),
        (["Project X", "X"], "project x is done; X too", ["project x", "X"]),  # longest first
        (["a.b"], "a.b axb", ["a.b"]),  # values are literal, not regexes
        ([" ", ""], "anything", []),
    ],
)
def test_deny_list(values: list[str], text: str, expected: list[str]) -> None:
    found = DenyListRecognizer(values).find(text)
    assert [text[s:e] for s, e, _ in found] == expected
    assert all(score == 1.0 for _, _, score in found)


POLICY = """
name: t
entities:
  EMAIL_ADDRESS:
    definition: Email addresses of people.
    recognizers: [email]
  CODENAME:
    definition: Internal project code names.
    model: false
    deny_list: [Bluebird]
    patterns:
      - name: proj
        regex: 'PRJ-\\d{4}'
"""


def test_build_and_run_recognizers() -> None:
    policy = parse_policy(POLICY)
    pairs = build_recognizers(policy)
    assert [(label, rec.name) for label, rec in pairs] == [
        ("EMAIL_ADDRESS", "pattern:email"), ("CODENAME", "pattern:proj"), ("CODENAME", "deny_list"),
    ]
    text = "Mail a@b.org about bluebird and PRJ-1234."
    spans = run_recognizers(text, pairs)
    assert {(text[s.start:s.end], s.label, s.recognizer) for s in spans} == {
        ("a@b.org", "EMAIL_ADDRESS", "pattern:email"),
        ("PRJ-1234", "CODENAME", "pattern:proj"),
        ("bluebird", "CODENAME", "deny_list"),
    }
    assert all(isinstance(s, Span) for s in spans)


def test_unknown_recognizer_fails_the_policy_and_the_build() -> None:
    with pytest.raises(PolicyError, match="unknown recognizer 'no_such_recognizer'"):
        parse_policy(POLICY.replace("recognizers: [email]", "recognizers: [no_such_recognizer]"))

    class Gone:
        name = "gone"

        def find(self, text):
            return []

    registry.recognizers.register("gone_recognizer", Gone)
    policy = parse_policy(POLICY.replace("recognizers: [email]", "recognizers: [gone_recognizer]"))
    registry.recognizers.unregister("gone_recognizer")  # uninstalled after the policy was loaded
    with pytest.raises(PluginError, match="gone_recognizer"):
        build_recognizers(policy)


def test_third_party_recognizer_via_register() -> None:
    class Shout:
        name = "shout"

        def find(self, text: str) -> list[tuple[int, int, float]]:
            return [(i, i + 1, 0.7) for i, c in enumerate(text) if c == "!"]

    registry.recognizers.register("test_shout", Shout)
    try:
        policy = parse_policy(POLICY.replace("recognizers: [email]", "recognizers: [test_shout]"))
        spans = run_recognizers("hi!", build_recognizers(policy))
        assert [(s.start, s.end, s.label, s.recognizer) for s in spans] == [(2, 3, "EMAIL_ADDRESS", "shout")]
    finally:
        registry.recognizers.unregister("test_shout")


def test_broken_recognizer_is_reported_without_text() -> None:
    class Broken:
        name = "broken"

        def __init__(self) -> None:
            raise RuntimeError("boom")

    registry.recognizers.register("test_broken", Broken)
    try:
        with pytest.raises(PluginError, match="test_broken"):
            registered_recognizer("test_broken")
    finally:
        registry.recognizers.unregister("test_broken")


@pytest.mark.parametrize("returned, why", [
    ([(0, 2, 0.9), (3, 99, 0.9)], "outside the text"),   # issue 14 item 7: was dropped silently
    ([(3, 1, 0.9)], "inverted"),
    ([(-1, 2, 0.9)], "outside the text"),
    ([(0, 2.5, 0.9)], "non-integer"),
    ([(0, 2, float("nan"))], "score"),
    ([(0, 2, 1.5)], "score"),
    ([(0, 2, "high")], "score"),
    ([(0, 2)], "not \\(start, end, score\\)"),
    (None, "NoneType"),
    ("0,2,0.9", "str"),
])
def test_garbage_from_a_recognizer_fails_closed(returned, why) -> None:
    from jpt_redact.errors import DetectionError

    class Sloppy:
        name = "sloppy"

        def find(self, text: str):
            return returned

    with pytest.raises(DetectionError, match=why):
        run_recognizers("abcd", [("X", Sloppy())])


def test_empty_spans_hold_nothing_and_are_skipped() -> None:
    class Empty:
        name = "empty"

        def find(self, text: str):
            return [(0, 2, 0.9), (2, 2, 0.9)]

    assert [(s.start, s.end) for s in run_recognizers("abcd", [("X", Empty())])] == [(0, 2)]


def test_bad_stdnum_validator_at_build_time() -> None:
    spec = PatternSpec.model_construct(name="x", regex="x", score=0.9, validator="stdnum:nope", ignore_case=False)
    with pytest.raises(PolicyError, match="nope"):
        PatternRecognizer(spec)


def test_phone_groups_never_end_on_an_open_bracket():
    # 'ending in 1111 (4111 1111 1111 1111': '1111 (4111' validates in some region, and its
    # remainder after the card wins would be glued to the card as one value
    from jpt_redact.plugins.recognizers.phone import PhoneRecognizer

    text = "a Visa ending in 1111 (4111 1111 1111 1111, exp 09/27)"
    found = [text[s:e] for s, e, _ in PhoneRecognizer().find(text)]
    assert all(v.count("(") == v.count(")") for v in found), found
