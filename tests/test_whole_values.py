"""Whole values (jpt_redact/whole_values.py): rule S1 before the resolver, W1-W3 after it, and
the Detector running both around the resolver."""
from __future__ import annotations

import pytest

from jpt_redact.detector import Detector
from jpt_redact.findings import Span
from jpt_redact.policy import parse_policy
from jpt_redact.whole_values import extended, is_word_char, screen, whole

POLICY = parse_policy(r"""
name: whole-values-test
entities:
  PERSON:
    definition: "Names of people (Aisha Rahman). Not places."
    value: {joiners: "'-", link: person}
  EMAIL:
    definition: "Email addresses (a@b.example). Not domains."
    value: {joiners: "._-+@"}
  DEVICE_ID:
    definition: "Device serial numbers (SN-1234). Not models."
    value: {joiners: "-:_."}
  HOST:
    definition: "Host names (web-01.example). Not URLs."
    patterns: [{name: host_kw, regex: '(?<=hostname )[a-z0-9.-]+[a-z]', score: 0.9}]
    value: {joiners: "-."}
  IP:
    definition: "IP addresses (10.0.0.1). Not versions."
    value: {joiners: "./"}
  DATE:
    definition: "Dates (3 May 2024). Not durations."
    value:
      joiners: "-/."
      not_followed_by: '(?i)[ \t]?(?:%|mg\b|days?\b)'
      not_matching: '(?i)(?:\d+[ \t]?)?(?:days?|weeks?)'
  PASSWORD:
    definition: "Passwords given as values (hunter2). Not the word password."
    priority: 2
    value: {opaque: true, joiners: "!#$%&*+-./?@^_~"}
  API_KEY:
    definition: "API keys (sk_live_...). Not key names."
    patterns: [{name: stripe, regex: 'sk_live_[A-Za-z0-9]{16,}', score: 0.95}]
    value: {opaque: true, joiners: "_-.+/~"}
  WORD:
    definition: "Words listed by the policy (secretword). Not others."
    deny_list: [zeta]
  ACCOUNT:
    definition: "Bank accounts (DE89 3704 0044 0532 0130 00). Not amounts."
    patterns: [{name: iban_like, regex: 'DE\d\d(?: \d{4}){4} \d\d', score: 0.95}]
  RECORD:
    definition: "Record numbers (0044). Not amounts."
    priority: 1
  ADDRESS:
    definition: "Street addresses (12 Rue de Rivoli). Not cities alone."
    value:
      joiners: "-/#"
      continued_by: [PLACE]
      continued_by_pattern: '\d{5}|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}'
  PLACE:
    definition: "Cities and countries (Paris). Not streets."
""")


def model(text: str, piece: str, label: str, score: float = 0.8, nth: int = 0) -> Span:
    start = -1
    for _ in range(nth + 1):
        start = text.index(piece, start + 1)
    return Span(start, start + len(piece), label, score)


def pattern(text: str, piece: str, label: str, score: float = 0.95, name: str = "pattern:test") -> Span:
    start = text.index(piece)
    return Span(start, start + len(piece), label, score, name)


def values(text: str, spans) -> list[tuple[str, str]]:
    return [(text[s.start : s.end], s.label) for s in spans]


# -- S1 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "piece", "kept"), [
    ("showed a 90% stenosis", "90", False),
    ("aspirin 81 mg daily", "81", False),
    ("confused for 3 days", "3", False),
    ("seen on 3 May 2024.", "3 May 2024", True),
    ("90 patients", "90", True),
])
def test_screen_drops_model_dates_before_units(text, piece, kept):
    assert bool(screen(text, [model(text, piece, "DATE")], POLICY)) is kept


# -- S2 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "piece", "kept"), [
    ("see him in 2 weeks", "weeks", False),
    ("see him in 2 weeks", "2 weeks", False),
    ("see him in 2 weeks time", "2 weeks time", True),  # the whole span must match, not a part
    ("seen on 3 May 2024", "3 May 2024", True),
])
def test_screen_drops_model_dates_that_are_durations(text, piece, kept):
    assert bool(screen(text, [model(text, piece, "DATE")], POLICY)) is kept


def test_screen_leaves_pattern_spans_alone():
    text = "showed a 90% stenosis"
    assert screen(text, [pattern(text, "90", "DATE")], POLICY) == [pattern(text, "90", "DATE")]


# -- W1 and W2 -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "piece", "label", "expected"), [
    ("it's Tr0ub4dor&3horse", "Tr0ub4dor", "PASSWORD", "Tr0ub4dor&3horse"),  # opaque: every joiner
    ("it's Tr0ub4dor&3horse", "Tr0ub4dor", "PERSON", "Tr0ub4dor"),  # '&' is no part of a name
    ("Patient O'Donnell.", "Donnell", "PERSON", "O'Donnell"),
    ("Rahman's card", "Rahman's", "PERSON", "Rahman"),  # W1: a name loses its possessive
    ("with Dr. Samuel Okafor today", "Dr. Samuel Okafor", "PERSON", "Samuel Okafor"),  # W1: titles name no one
    ("Mrs O'Donnell is", "Mrs O'Donnell", "PERSON", "O'Donnell"),
    ("Dr. Prof. Ann Lee", "Dr. Prof. Ann Lee", "PERSON", "Ann Lee"),
    ("Drake Lee", "Drake Lee", "PERSON", "Drake Lee"),  # a name that starts like a title
    ("Dr.\nOkafor", "Dr.\nOkafor", "PERSON", "Dr.\nOkafor"),  # across a line: not a title of this name
    ("Dr. Okafor's", "Dr. Okafor's", "DEVICE_ID", "Dr. Okafor's"),  # only person names lose titles
    ("Rahman's card", "Rahma", "PERSON", "Rahman"),  # W2 never grows over it
    ("on 2 May. Could", "2 May.", "DATE", "2 May"),  # W1: sentence punctuation
    ("server 203.0.113.42, up", "0.113", "IP", "203.0.113.42"),
    ("host web-01.aisharahman.example.", "web-", "DEVICE_ID", "web-01.aisharahman.example"),  # never ends on a joiner
    ("id SN-1234_x", "1234", "EMAIL", "SN-1234_x"),
    ("東京都港区", "東京", "PERSON", "東京"),  # no run in a script written without spaces
    ("(@jane)", "jane", "EMAIL", "jane"),  # a joiner is taken only with the letters behind it
])
def test_extended(text, piece, label, expected):
    s = extended(text, model(text, piece, label), POLICY.entities[label])
    assert text[s.start : s.end] == expected


def test_pattern_spans_keep_their_boundaries():
    text = "it's Tr0ub4dor&3horse"
    s = pattern(text, "Tr0ub4dor", "PASSWORD")
    assert extended(text, s, POLICY.entities["PASSWORD"]) is s


@pytest.mark.parametrize("c", ["a", "Z", "7", "é", "ß", "Я"])
def test_word_chars(c):
    assert is_word_char(c)


@pytest.mark.parametrize("c", ["東", "ก", "-", " ", "_", "."])
def test_not_word_chars(c):
    assert not is_word_char(c)


# -- W3 ------------------------------------------------------------------------------------------
def test_model_fragments_merge_under_the_label_covering_most():
    text = "my API key is sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123 now"
    spans = [model(text, "sk", "EMAIL", 0.53), model(text, "51HqLyjWDarjtT1zdp7dcXYZabc123", "DEVICE_ID", 0.64)]
    assert values(text, whole(text, spans, POLICY)) == [("sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123", "DEVICE_ID")]


def test_fragments_of_a_host_become_one():
    text = "hostname web-01.aisharahman.example"
    spans = [model(text, "web-", "EMAIL", 0.62), model(text, "aisharahman.example", "EMAIL", 0.83)]
    assert values(text, whole(text, spans, POLICY)) == [("web-01.aisharahman.example", "EMAIL")]


def test_a_validated_pattern_wins_over_model_fragments():
    text = "hostname web-01.aisharahman.example"
    spans = [model(text, "web-", "EMAIL", 0.99), pattern(text, "01.aisharahman.example", "HOST", 0.9)]
    assert values(text, whole(text, spans, POLICY)) == [("web-01.aisharahman.example", "HOST")]


def test_a_secret_wins_over_anything_inside_it():
    text = "pw Tr0ub4dor&3horse ok"
    spans = [model(text, "Tr0ub4dor", "PERSON", 0.9), pattern(text, "3horse", "DEVICE_ID", 0.99),
             model(text, "&3", "PASSWORD", 0.5)]
    assert values(text, whole(text, spans, POLICY)) == [("Tr0ub4dor&3horse", "PASSWORD")]


def test_a_deny_list_span_wins_over_a_secret():
    text = "x zeta&secret y"
    spans = [pattern(text, "zeta", "WORD", 1.0, "deny_list"), model(text, "secret", "PASSWORD", 0.9)]
    assert values(text, whole(text, spans, POLICY)) == [("zeta&secret", "WORD")]


def test_words_apart_stay_apart():
    text = "Aisha Rahman, aisha@example.org"
    spans = [model(text, "Aisha Rahman", "PERSON"), pattern(text, "aisha@example.org", "EMAIL")]
    assert values(text, whole(text, spans, POLICY)) == [("Aisha Rahman", "PERSON"), ("aisha@example.org", "EMAIL")]


def test_the_result_never_overlaps():
    text = "a 10.0.0.1/24 and 10.0.0.2"
    spans = [model(text, "10.0", "IP"), pattern(text, "0.0.1/24", "DEVICE_ID"), model(text, "10.0", "IP", nth=1)]
    out = whole(text, spans, POLICY)
    assert values(text, out) == [("10.0.0.1/24", "DEVICE_ID"), ("10.0.0.2", "IP")]
    assert all(a.end <= b.start for a, b in zip(out, out[1:]))


# -- W4 ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "pieces", "expected"), [
    # the town, postcode and country of an address, over a comma and one line break
    ("at 12 Rue de Rivoli,\n75001 Paris, France today", [("12 Rue de", "ADDRESS"), ("Rivoli", "PLACE"),
     ("Paris", "PLACE"), ("France", "PLACE")], [("12 Rue de Rivoli,\n75001 Paris, France", "ADDRESS")]),
    ("221B Baker Street\nLondon NW1 6XE", [("221B Baker Street", "ADDRESS"), ("London", "PLACE")],
     [("221B Baker Street\nLondon NW1 6XE", "ADDRESS")]),
    ("12 Main St, 94105", [("12 Main St", "ADDRESS")], [("12 Main St, 94105", "ADDRESS")]),
    ("12 Main St\n\nParis is lovely", [("12 Main St", "ADDRESS"), ("Paris", "PLACE")],  # a blank line ends it
     [("12 Main St", "ADDRESS"), ("Paris", "PLACE")]),
    ("12 Main St. Paris is lovely", [("12 Main St", "ADDRESS"), ("Paris", "PLACE")],  # so does a full stop
     [("12 Main St", "ADDRESS"), ("Paris", "PLACE")]),
    ("from 12 Main St to Paris", [("12 Main St", "ADDRESS"), ("Paris", "PLACE")],  # and a word
     [("12 Main St", "ADDRESS"), ("Paris", "PLACE")]),
    ("12 Main St,, Paris", [("12 Main St", "ADDRESS"), ("Paris", "PLACE")],  # one comma only
     [("12 Main St", "ADDRESS"), ("Paris", "PLACE")]),
    ("Paris, 12 Main St", [("Paris", "PLACE"), ("12 Main St", "ADDRESS")],  # a place does not take in an address
     [("Paris", "PLACE"), ("12 Main St", "ADDRESS")]),
    ("12 Main St, 941056 more", [("12 Main St", "ADDRESS")], [("12 Main St", "ADDRESS")]),  # not a whole postcode
    ("12 Main St, 94105 Aisha Rahman", [("12 Main St", "ADDRESS"), ("Aisha Rahman", "PERSON")],
     [("12 Main St, 94105", "ADDRESS"), ("Aisha Rahman", "PERSON")]),  # other labels stay apart
    ("12 Main St 2024-05-03", [("12 Main St", "ADDRESS"), ("2024-05", "DATE")],  # no postcode where a span starts
     [("12 Main St", "ADDRESS"), ("2024-05-03", "DATE")]),
])
def test_an_address_continues_over_its_town_postcode_and_country(text, pieces, expected):
    spans = [model(text, piece, label) for piece, label in pieces]
    assert values(text, whole(text, spans, POLICY)) == expected


def test_continued_by_names_types_of_the_policy():
    from jpt_redact.errors import PolicyError

    with pytest.raises(PolicyError, match="continued_by names TOWN"):
        parse_policy("name: p\nentities:\n  A:\n    definition: 'Street addresses here.'\n"
                     "    value: {continued_by: [TOWN]}\n")


# -- W0 ------------------------------------------------------------------------------------------
IBAN_TEXT = "IBAN: DE89 3704 0044 0532 0130 00 thanks"


def test_a_validated_value_cut_by_model_guesses_is_restored():
    iban = pattern(IBAN_TEXT, "DE89 3704 0044 0532 0130 00", "ACCOUNT", name="pattern:iban_like")
    guesses = [model(IBAN_TEXT, "0044", "RECORD", 0.6), model(IBAN_TEXT, "0130", "RECORD", 0.6)]
    detector = Detector(POLICY, engine=FixedEngine(guesses))
    found = detector.candidates([IBAN_TEXT])[0]
    assert iban in found.recognized
    assert values(IBAN_TEXT, detector.resolve(found)) == [("DE89 3704 0044 0532 0130 00", "ACCOUNT")]


def test_without_the_candidates_the_resolver_pieces_stay():
    iban = pattern(IBAN_TEXT, "DE89 3704 0044 0532 0130 00", "ACCOUNT")
    guess = model(IBAN_TEXT, "0044", "RECORD", 0.6)
    pieces = [Span(iban.start, guess.start - 1, "ACCOUNT", 0.95, "pattern:test"), guess,
              Span(guess.end + 1, iban.end, "ACCOUNT", 0.95, "pattern:test")]
    assert len(whole(IBAN_TEXT, pieces, POLICY)) == 3
    assert values(IBAN_TEXT, whole(IBAN_TEXT, pieces, POLICY, [iban, guess])) == [(IBAN_TEXT[iban.start:iban.end], "ACCOUNT")]


def test_a_model_guess_does_not_rename_a_validated_value():
    iban = pattern(IBAN_TEXT, "DE89 3704 0044 0532 0130 00", "ACCOUNT")
    guess = Span(iban.start, iban.end, "RECORD", 0.6)
    assert values(IBAN_TEXT, whole(IBAN_TEXT, [guess], POLICY, [iban, guess])) == [(IBAN_TEXT[iban.start:iban.end], "ACCOUNT")]


def test_a_model_span_around_a_value_keeps_it():
    iban = pattern(IBAN_TEXT, "DE89 3704 0044 0532 0130 00", "ACCOUNT")
    guess = Span(iban.start - 6, iban.end, "RECORD", 0.6)
    assert values(IBAN_TEXT, whole(IBAN_TEXT, [guess], POLICY, [iban, guess])) == [(IBAN_TEXT[guess.start:iban.end], "RECORD")]


def test_an_allow_listed_value_is_not_restored():
    policy = POLICY.model_copy(update={"entities": {**POLICY.entities, "ACCOUNT": POLICY.entities["ACCOUNT"].model_copy(
        update={"allow_list": ["DE89 3704 0044 0532 0130 00"]})}})
    iban = pattern(IBAN_TEXT, "DE89 3704 0044 0532 0130 00", "ACCOUNT")
    guess = Span(iban.start, iban.end, "RECORD", 0.6)
    assert values(IBAN_TEXT, whole(IBAN_TEXT, [guess], policy, [iban, guess])) == [(IBAN_TEXT[iban.start:iban.end], "RECORD")]


# -- through the Detector ------------------------------------------------------------------------
class _Scores:
    def __init__(self, spans):
        self._spans = spans

    def spans(self, thresholds, *, nested=False, span_extension=1.0):
        return list(self._spans)


class FixedEngine:
    model_id, backend_name = "fixed", "fixed"

    def __init__(self, spans):
        self._spans = spans

    def score(self, texts, types, *, batch_size=None):
        return [_Scores(self._spans) for _ in texts]


def test_the_detector_runs_screen_and_whole_around_the_resolver():
    text = "key sk_live_51HqLyjWDarjtT1zdp7dcXYZ; a 90% stenosis; pw Tr0ub4dor&3horse"
    spans = [model(text, "sk", "EMAIL", 0.9), model(text, "90", "DATE", 0.9), model(text, "Tr0ub4dor", "PASSWORD", 0.9)]
    detector = Detector(POLICY, engine=FixedEngine(spans))
    assert values(text, detector.detect([text])[0]) == [("sk_live_51HqLyjWDarjtT1zdp7dcXYZ", "API_KEY"),
                                                        ("Tr0ub4dor&3horse", "PASSWORD")]


# -- the shipped policies' rules -------------------------------------------------------------------
@pytest.mark.parametrize("policy_name", ["hipaa", "default", "gdpr"])
@pytest.mark.parametrize(("text", "piece", "kept"), [
    ("showed a 90% stenosis", "90", False),
    ("ticagrelor 90 mg twice daily", "90", False),
    ("BP 142/88 mmHg", "142/88", False),
    ("confused for 3 days", "3", False),
    ("a 72-year-old retired teacher", "72", False),
    ("temp 37.9 °C", "37.9", False),
    ("admitted 03/02/2024, discharged", "03/02/2024", True),
    ("seen on 2 May. Could", "2 May", True),
    ("in 2 weeks' time", "2", False),
])
def test_shipped_dates_are_no_measurements(policy_name, text, piece, kept):
    from jpt_redact.policy import load_policy

    policy = load_policy(policy_name)
    label = {"hipaa": "DATE", "default": "DATE_TIME", "gdpr": "DATE_OF_BIRTH"}[policy_name]
    assert bool(screen(text, [model(text, piece, label)], policy)) is kept


@pytest.mark.parametrize("policy_name", ["hipaa", "default"])
@pytest.mark.parametrize(("text", "piece", "kept"), [
    ("born in a small village near", "village", False),
    ("walked into the woods", "the woods", False),
    ("the county seat of", "county seat", False),
    ("along the north coast", "north coast", False),
    ("travels abroad a lot", "abroad", False),
    ("the Dutch team", "Dutch", False),
    ("speaks english well", "english", False),
    ("born in Leeds", "Leeds", True),
    ("a walk in Central Park", "Central Park", True),
    ("to the Indian Ocean", "Indian Ocean", True),
    ("moved to the Hague", "the Hague", True),
    ("in western france", "western france", True),
    ("lives in tallahassee", "tallahassee", True),
])
def test_shipped_places_are_no_generic_nouns_or_nationalities(policy_name, text, piece, kept):
    from jpt_redact.policy import load_policy

    assert bool(screen(text, [model(text, piece, "LOCATION")], load_policy(policy_name))) is kept


@pytest.mark.parametrize(("text", "piece", "kept"), [
    ("a 72-year-old woman", "72-year-old", False),
    ("a 93-year-old woman", "93-year-old", True),
    ("in her late nineties", "late nineties", True),
    ("aged 89", "aged 89", False),
    ("aged 104", "aged 104", True),
])
def test_hipaa_ages_over_89_only(text, piece, kept):
    from jpt_redact.policy import load_policy
    from jpt_redact.resolver import resolve

    policy = load_policy("hipaa")
    assert bool(resolve(text, [model(text, piece, "AGE_OVER_89", 0.8)], policy)) is kept


# The shipped address types carry the postcode shapes of the `postcode` recognizer in their
# continued_by_pattern (a policy file stands alone, so the pattern is written there): each form
# the recognizer finds after its label must also continue an address.
@pytest.mark.parametrize(("policy_name", "label"), [("default", "STREET_ADDRESS"), ("hipaa", "STREET_ADDRESS"),
                                                    ("gdpr", "ADDRESS")])
@pytest.mark.parametrize("code", ["94105", "94105-1234", "SW1A 1AA", "NW1 6XE", "K1A 0B1", "10115", "1012 AB", "8001",
                                  "113 51", "00-950"])
def test_shipped_addresses_continue_over_every_postcode_the_recognizer_knows(policy_name, label, code):
    from jpt_redact.policy import load_policy
    from jpt_redact.recognizer import registered_recognizer

    labelled = f"ZIP {code}"
    assert [labelled[s:e] for s, e, _ in registered_recognizer("postcode").find(labelled)] == [code]
    text = f"12 Main Street,\n{code} more"
    spans = whole(text, [model(text, "12 Main Street", label)], load_policy(policy_name))
    assert values(text, spans) == [(f"12 Main Street,\n{code}", label)]
