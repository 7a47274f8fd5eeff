"""Mention linking (jpt_redact/linking.py) and its use by the numbering and pseudonym operators."""
from __future__ import annotations

import re

import pytest

from jpt_redact.exporters.operators.apply import apply_operators, new_context
from jpt_redact.findings import Span
from jpt_redact.keys import KeyProvider
from jpt_redact.linking import (
    Mention,
    canonical_name,
    kinds_of,
    link_mentions,
    name_gender,
    parse_person,
    render_person,
    run_key,
    same_given,
    title_before,
)
from jpt_redact.policy import parse_policy

POLICY = parse_policy("""
name: linking-test
entities:
  PERSON:
    definition: "Names of people (Aisha Rahman). Not places."
    action: {replace: {numbered: true}}
    value: {link: person}
  ORG:
    definition: "Organisations (Acme Corp). Not people."
    action: {replace: {numbered: true}}
    value: {link: organization}
  PLACE:
    definition: "Places (Cedar Falls). Not people."
    action: {replace: {numbered: true}}
    value: {link: place}
  NOTE:
    definition: "Anything numbered without linking (x). Not linked."
    action: {replace: {numbered: true}}
""")
RUN_POLICY = POLICY.model_copy(update={"entities": {
    k: v.model_copy(update={"action": v.action.model_copy(update={"params": {"numbered": True, "scope": "run"}})})
    for k, v in POLICY.entities.items()}})


def spans_for(text: str, pieces: list[tuple[str, str]]) -> list[Span]:
    """Spans of (piece, label) in order of appearance, whole words, case-sensitive."""
    out, pos = [], 0
    for piece, label in pieces:
        m = re.compile(r"(?<!\w)" + re.escape(piece) + r"(?!\w)").search(text, pos)
        assert m, piece
        out.append(Span(m.start(), m.end(), label, 0.9))
        pos = m.end()
    return out


def groups(text: str, pieces: list[tuple[str, str]]) -> list[int]:
    """Per mention, the index of the first mention of its entity (the grouping, comparable)."""
    mentions = link_mentions(text, spans_for(text, pieces), kinds_of(POLICY.entities))
    keys = [(mentions[i].kind, mentions[i].key) for i in range(len(pieces))]
    return [keys.index(k) for k in keys]


P, O, L = "PERSON", "ORG", "PLACE"
CASES = [
    ("full, first name, title + surname",
     "Aisha Rahman called. Thanks, Aisha. Ms. Rahman again.", [("Aisha Rahman", P), ("Aisha", P), ("Rahman", P)],
     [0, 0, 0]),
    ("same surname, different first names stay apart; the surname goes to the last one named",
     "Margaret O'Donnell is here. Mrs. O'Donnell rests. Kathleen O'Donnell drove.",
     [("Margaret O'Donnell", P), ("O'Donnell", P), ("Kathleen O'Donnell", P)], [0, 0, 2]),
    ("the title in the span", "Dr. Samuel Okafor; later Dr. Okafor.", [("Dr. Samuel Okafor", P), ("Dr. Okafor", P)], [0, 0]),
    ("possessive and case", "Daniel Whitaker's card. DANIEL WHITAKER signed. Whitaker's", 
     [("Daniel Whitaker's", P), ("DANIEL WHITAKER", P), ("Whitaker's", P)], [0, 0, 0]),
    ("middle initial, initial + surname, surname first",
     "Daniel J. Whitaker, Daniel Whitaker, D. Whitaker, WHITAKER, Daniel",
     [("Daniel J. Whitaker", P), ("Daniel Whitaker", P), ("D. Whitaker", P), ("WHITAKER, Daniel", P)], [0, 0, 0, 0]),
    ("initials", "Amara Osei (AO) wrote; A.O. signed.", [("Amara Osei", P), ("AO", P), ("A.O.", P)], [0, 0, 0]),
    ("accents and apostrophes", "Tomás O’Neil and Tomas O'Neil", [("Tomás O’Neil", P), ("Tomas O'Neil", P)], [0, 0]),
    ("a first name before the full name", "Liam called. Liam O'Connor filed it.", [("Liam", P), ("Liam O'Connor", P)], [0, 0]),
    ("short forms and nicknames, but not a different name",
     "Jon Baxter, Jonathan Baxter, Liz Hale, Elizabeth Hale, Dana Smith, Dan Smith",
     [("Jon Baxter", P), ("Jonathan Baxter", P), ("Liz Hale", P), ("Elizabeth Hale", P), ("Dana Smith", P),
      ("Dan Smith", P)], [0, 0, 2, 2, 4, 5]),
    ("a gendered title does not join the other gender", "Harold Jensen and Edith Jensen. Mr. Jensen is 94.",
     [("Harold Jensen", P), ("Edith Jensen", P), ("Jensen", P)], [0, 1, 0]),
    ("an earlier title decides too", "Grace Okonkwo and Tom Okonkwo. Mr. Okonkwo asked; Mrs. Okonkwo slept.",
     [("Grace Okonkwo", P), ("Tom Okonkwo", P), ("Okonkwo", P), ("Okonkwo", P)], [0, 1, 1, 0]),
    ("surname particles", "Jan van der Berg; Van der Berg agreed.", [("Jan van der Berg", P), ("Van der Berg", P)], [0, 0]),
    ("equal single names are one person", "Rosa asked Marco. Marco said yes to Rosa.",
     [("Rosa", P), ("Marco", P), ("Marco", P), ("Rosa", P)], [0, 1, 1, 0]),
    ("organisations: legal forms, 'the', capitals, acronyms, leading parts",
     "Acme Corp, the ACME Corporation, Acme Inc. Lakeside General Hospital (LGH); Lakeside.",
     [("Acme Corp", O), ("ACME Corporation", O), ("Acme Inc", O), ("Lakeside General Hospital", O), ("LGH", O),
      ("Lakeside", O)], [0, 0, 0, 3, 3, 3]),
    ("places: qualifiers, Saint, acronyms", "Cedar Falls, Iowa; Cedar Falls; St. Louis; Saint Louis; New York City; NYC",
     [("Cedar Falls, Iowa", L), ("Cedar Falls", L), ("St. Louis", L), ("Saint Louis", L), ("New York City", L),
      ("NYC", L)], [0, 0, 2, 2, 4, 4]),
    ("kinds never mix", "Jordan works at Jordan Ltd in Jordan.", [("Jordan", P), ("Jordan Ltd", O), ("Jordan", L)],
     [0, 1, 2]),
]


@pytest.mark.parametrize(("text", "pieces", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_link_mentions(text, pieces, expected):
    assert groups(text, pieces) == expected


def test_unlinked_labels_get_no_mention():
    text = "Aisha and x"
    spans = spans_for(text, [("Aisha", P), ("x", "NOTE")])
    assert set(link_mentions(text, spans, kinds_of(POLICY.entities))) == {0}


@pytest.mark.parametrize(("raw", "title", "given", "last", "single", "possessive"), [
    ("Dr. Samuel Okafor", "Dr.", "samuel", "okafor", None, ""),
    ("Mrs O'Donnell's", "Mrs", None, None, "o'donnell", "'s"),
    ("Anna de la Cruz", "", "anna", "de la cruz", None, ""),
    ("Peter Jensen Jr.", "", "peter", "jensen", None, ""),
    ("Jones'", "", None, None, "jones", "'"),
    ("Margaret O'Donnell          MRN", "", "margaret", "o'donnell", None, ""),  # a span grown over a form
])
def test_parse_person(raw, title, given, last, single, possessive):
    n = parse_person(raw)
    assert (n.title, n.given, n.last, n.single, n.possessive) == (title, given, last, single, possessive)


@pytest.mark.parametrize(("text", "expected"), [
    ("call Mrs. Okonkwo", ["Mrs."]), ("Dr Bell", ["Dr"]), ("said Prof. Dr. Weber", ["Prof.", "Dr."]),
    ("the Drs. Bell", []), ("Okonkwo", []), ("MrsOkonkwo", []),
])
def test_title_before(text, expected):
    start = text.rindex(text.split()[-1]) if " " in text else len(text) - len("Okonkwo")
    assert title_before(text, start) == expected


@pytest.mark.parametrize(("a", "b", "same"), [
    ("jon", "jonathan", True), ("liz", "elizabeth", True), ("bob", "robert", True), ("dan", "dana", False),
    ("carla", "carlos", False), ("al", "alan", False), ("daniel", "daniel", True),
])
def test_same_given(a, b, same):
    assert same_given(a, b) is same and same_given(b, a) is same


def test_name_gender_from_fakers_lists():
    assert (name_gender("harold"), name_gender("edith"), name_gender("jordan"), name_gender("zzyzx")) == ("m", "f", "", "")


def test_canonical_names():
    assert canonical_name("The Acme Corp.", "organization") == ("acme",)
    assert canonical_name("St. Louis, MO", "place") == ("saint", "louis")


@pytest.mark.parametrize(("mention", "expected"), [
    (Mention("person", "k", "aisha", "rahman", "full"), "Jane Cole"),
    (Mention("person", "k", "aisha", "rahman", "first"), "Jane"),
    (Mention("person", "k", "aisha", "rahman", "last", title="Ms."), "Ms. Cole"),
    (Mention("person", "k", "aisha", "rahman", "last_first", upper=True), "COLE, JANE"),
    (Mention("person", "k", "aisha", "rahman", "initials"), "JC"),
    (Mention("person", "k", None, "okafor", "last", title="Dr.", possessive="'s"), "Dr. Cole's"),
])
def test_render_person(mention, expected):
    assert render_person(mention, "Jane", "Cole") == expected


def test_run_key_joins_a_partial_mention_to_the_one_person_of_the_run():
    def digest(v: str) -> str:
        return "#" + v

    state: dict = {}
    full = run_key(Mention("person", "aisha rahman", "aisha", "rahman"), state, digest)
    assert run_key(Mention("person", "aisha", "aisha", None, "first"), state, digest) == full
    run_key(Mention("person", "aisha khan", "aisha", "khan"), state, digest)  # a second Aisha: ambiguous now
    assert run_key(Mention("person", "aisha", "aisha", None, "first"), state, digest) == "#person:aisha"
    assert run_key(Mention("person", "rahman", None, "rahman", "last"), state, digest) == full
    assert all(not k.startswith("aisha") for k in state["linking.parts"])  # digests only


def redact(text, pieces, policy=POLICY, ctx=None, keys=None):
    ctx = ctx or new_context(keys=keys or KeyProvider.none())
    return apply_operators(text, spans_for(text, pieces), policy, ctx)[0]


def test_numbered_replace_follows_the_person():
    text = "Aisha Rahman: hi. Tomás: hello Aisha. Ms. Rahman left."
    assert redact(text, [("Aisha Rahman", P), ("Tomás", P), ("Aisha", P), ("Rahman", P)]) == \
        "<PERSON_1>: hi. <PERSON_2>: hello <PERSON_1>. Ms. <PERSON_1> left."


def test_unlinked_numbering_is_by_value():
    text = "x y x"
    assert redact(text, [("x", "NOTE"), ("y", "NOTE"), ("x", "NOTE")]) == "<NOTE_1> <NOTE_2> <NOTE_1>"


def test_run_scope_links_across_documents():
    run_state: dict = {}
    keys = KeyProvider.none()
    first = redact("Aisha Rahman and Tomás Ortiz", [("Aisha Rahman", P), ("Tomás Ortiz", P)], RUN_POLICY,
                   new_context(keys=keys, run_state=run_state))
    second = redact("Tomás wrote to Ms. Rahman", [("Tomás", P), ("Rahman", P)], RUN_POLICY,
                    new_context(keys=keys, run_state=run_state))
    assert (first, second) == ("<PERSON_1> and <PERSON_2>", "<PERSON_2> wrote to Ms. <PERSON_1>")


def test_pseudonyms_follow_the_person_and_keep_its_form():
    policy = POLICY.model_copy(update={"entities": {
        k: v.model_copy(update={"action": v.action.model_copy(update={"type": "pseudonymize", "params": {}})})
        for k, v in POLICY.entities.items()}})
    keys = KeyProvider.from_bytes(bytes(range(7, 39)))
    text = "Aisha Rahman; Aisha; Ms. Rahman; Kathleen Rahman; AISHA RAHMAN; Acme Corp; ACME"
    pieces = [("Aisha Rahman", P), ("Aisha", P), ("Rahman", P), ("Kathleen Rahman", P), ("AISHA RAHMAN", P),
              ("Acme Corp", O), ("ACME", O)]
    out = [part.strip() for part in redact(text, pieces, policy, keys=keys).split(";")]
    first, last = out[0].split()
    assert out[1] == first and out[2] == f"Ms. {last}"
    assert out[3].endswith(f" {last}") and not out[3].startswith(first)  # another person, same surname
    assert out[4] == out[0].upper()
    assert out[5] == out[6] and "Acme" not in out[5]
    assert "Aisha" not in " ".join(out) and "Rahman" not in " ".join(out)
