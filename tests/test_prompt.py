"""The Appendix C prompt: pieces, duplication and character offsets (tiny in-process tokenizer)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine_fixtures import TYPES, make_tokenizer
from jpt_redact.model.prompt import (
    ACKNOWLEDGEMENT,
    FIRST_MARK,
    SECOND_MARK,
    SYSTEM_RULES,
    build_prompt,
    definitions_block,
    duplicated_suffix,
    tokenize_text,
)

TEXTS = [
    "Please call John Smith at 555-0100 tomorrow.",
    'He said "Alice" and \'Bob\' met «Carol» at “Paris”.',
    "line one\nline two\r\n\n  indented\tand tabbed  ",
    "Party 🎉 with 👍🏽 and 🇫🇷 flags 😀",
    "Иван Петров живёт в Москве, улица Ленина 5.",
    "山田太郎さんは東京に住んでいます。電話: 03-1234-5678",
    "café naïve Zürich São Paulo Kraków",
    "   ",
    "x",
]


@pytest.fixture(scope="module")
def tok():
    return make_tokenizer()


@pytest.fixture(scope="module")
def pieces(tok):
    return build_prompt(tok, TYPES)


# -- prompt pieces -------------------------------------------------------------------------------
def test_prefix_holds_system_rules_and_every_definition_via_chat_template(tok, pieces):
    prefix = tok.decode(list(pieces.prefix_ids))
    assert SYSTEM_RULES in prefix
    assert ACKNOWLEDGEMENT in prefix
    for label, definition in TYPES.items():
        assert f"- {label}: {definition}" in prefix
    # rendered through the tokenizer's (ChatML) template, turns in order
    assert prefix.startswith("<|im_start|>system\n" + SYSTEM_RULES + "<|im_end|>")
    assert prefix.index("<|im_start|>user") < prefix.index("<|im_start|>assistant") < prefix.rindex("<|im_start|>user")
    assert prefix.endswith("The first time: '")
    assert FIRST_MARK not in prefix and SECOND_MARK not in prefix
    assert tok.decode(list(pieces.bridge_ids)) == "' The second time: '"


def test_pieces_reassemble_the_rendered_prompt(tok, pieces):
    text = "Call Alice at 555-0100."
    ids = tokenize_text(tok, text).ids
    suffix, _ = duplicated_suffix(ids, pieces)
    rendered = tok.apply_chat_template(
        [
            {"role": "system", "content": SYSTEM_RULES},
            {"role": "user", "content": definitions_block(TYPES)},
            {"role": "assistant", "content": ACKNOWLEDGEMENT},
            {"role": "user", "content": f"The first time: '{text}' The second time: '{text}'"},
        ],
        tokenize=False,
    )
    full = tok.decode(list(pieces.prefix_ids) + suffix)
    assert rendered.startswith(full)
    assert rendered[len(full) :] == "'<|im_end|>\n"  # nothing after the second copy is needed


def test_definitions_change_the_prefix_only(tok, pieces):
    other = build_prompt(tok, {"PERSON": "Someone's name."})
    assert other.prefix_ids != pieces.prefix_ids
    assert other.bridge_ids == pieces.bridge_ids


def test_tokenizer_without_chat_template_uses_plain_transcript():
    tok = make_tokenizer(chat_template=False)
    pieces = build_prompt(tok, TYPES)
    prefix = tok.decode(list(pieces.prefix_ids))
    assert prefix.startswith(f"System: {SYSTEM_RULES}\n\nUser: Entity types:\n")
    assert f"\n\nAssistant: {ACKNOWLEDGEMENT}\n\nUser: The first time: '" in prefix
    assert "<|im_start|>" not in prefix
    for definition in TYPES.values():
        assert definition in prefix
    assert tok.decode(list(pieces.bridge_ids)) == "' The second time: '"


def test_bos_is_prepended_once_when_the_tokenizer_wants_one():
    tok = make_tokenizer(chat_template=False)
    tok.add_bos_token = True
    ids = build_prompt(tok, TYPES).prefix_ids
    assert ids[0] == tok.bos_token_id and ids[1] != tok.bos_token_id
    # the ChatML rendering already starts with <|im_start|> (this tokenizer's BOS): not doubled
    chat = make_tokenizer()
    chat.add_bos_token = True
    ids = build_prompt(chat, TYPES).prefix_ids
    assert ids[0] == chat.bos_token_id and ids[1] != chat.bos_token_id


# -- duplication ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", TEXTS)
def test_duplicated_suffix_is_text_bridge_text(tok, pieces, text):
    ids = tokenize_text(tok, text).ids
    suffix, second = duplicated_suffix(ids, pieces)
    assert suffix == list(ids) + list(pieces.bridge_ids) + list(ids)
    assert second == len(ids) + len(pieces.bridge_ids)
    assert suffix[second:] == list(ids)
    assert suffix[:second] == list(ids) + list(pieces.bridge_ids)


def test_duplicated_suffix_of_empty_text_is_the_bridge(pieces):
    suffix, second = duplicated_suffix((), pieces)
    assert suffix == list(pieces.bridge_ids) and second == len(pieces.bridge_ids)


# -- offsets -------------------------------------------------------------------------------------
def assert_offsets_valid(tok, text: str) -> None:
    t = tokenize_text(tok, text)
    assert len(t.ids) == len(t.offsets)
    assert tok.decode(list(t.ids)) == text  # byte-level BPE is lossless
    prev_start = prev_end = 0
    covered = [False] * len(text)
    for start, end in t.offsets:
        assert 0 <= start <= end <= len(text)
        assert start >= prev_start and end >= prev_end  # monotone
        prev_start, prev_end = start, end
        for i in range(start, end):
            covered[i] = True
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and not covered[i]]
    assert not missing, f"characters at {missing[:5]} are in no token"


@pytest.mark.parametrize("text", TEXTS)
def test_offsets_lie_inside_the_text_cover_it_and_are_monotone(tok, text):
    assert_offsets_valid(tok, text)


@pytest.mark.parametrize(
    "text,word",
    [
        ('He said "Alice" twice', "Alice"),
        ("Иван Петров", "Петров"),
        ("東京 and 北京", "北京"),
        ("ok 😀 done", "😀"),
        ("line\nJohn Smith\n", "Smith"),
    ],
)
def test_offsets_point_at_the_characters_tokens_encode(tok, text, word):
    t = tokenize_text(tok, text)
    at = text.index(word)
    inside = [(s, e) for s, e in t.offsets if s < at + len(word) and e > at]
    assert inside, "no token covers the word"
    assert min(s for s, _ in inside) <= at and max(e for _, e in inside) >= at + len(word)
    # the covering tokens decode to a string containing the word
    ids = [i for i, (s, e) in zip(t.ids, t.offsets) if s < at + len(word) and e > at]
    assert word in tok.decode(ids)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=80))
def test_offsets_property_over_arbitrary_unicode(tok, text):
    assert_offsets_valid(tok, text)


# -- the prompt channel: a policy's prompt_definition -------------------------------------------
def test_a_definition_with_a_prompt_form_shows_the_short_form_and_stays_the_full_text(tok):
    from jpt_redact.policy import Definition
    from jpt_redact.model.prompt import prompt_form, type_key

    full = "Names of real people: first names, surnames and nicknames (John Smith)."
    d = Definition(full, "Names of real people")
    assert d == full and str(d) == full and prompt_form(d) == "Names of real people"
    assert prompt_form(full) == full
    short = build_prompt(tok, {"PERSON": d})
    assert short == build_prompt(tok, {"PERSON": "Names of real people"})
    assert len(short.prefix_ids) < len(build_prompt(tok, {"PERSON": full}).prefix_ids)
    # the key keeps plain definitions' rows (caches stay valid) and tells the prompt forms apart
    assert type_key({"PERSON": full}) == [["PERSON", full]]
    assert type_key({"PERSON": d}) != type_key({"PERSON": full})
    assert type_key({"PERSON": d}) != type_key({"PERSON": Definition(full, "People")})


def test_a_definition_keeps_its_prompt_form_through_pickle_and_copy():
    import copy
    import pickle

    from jpt_redact.policy import Definition

    d = Definition("A long definition of a person.", "A person")
    for twin in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d)):
        assert twin == d and twin.prompt == "A person"


def test_the_engine_embeds_the_full_definition_and_prompts_the_short_one():
    from engine_fixtures import HashEncoder, make_engine
    from jpt_redact.policy import Definition

    full = {"PERSON": "Names of real people: first names and surnames.", "CITY": "Names of cities and towns."}
    short = {"PERSON": Definition(full["PERSON"], "People"), "CITY": full["CITY"]}
    engine = make_engine(encoder=HashEncoder(), prefix_store=False)
    a, b = engine.prepare(full), engine.prepare(short)
    assert b.pieces == build_prompt(engine.tokenizer, {"PERSON": "People", "CITY": full["CITY"]})
    assert len(b.pieces.prefix_ids) < len(a.pieces.prefix_ids)
    assert (a.projected == b.projected).all()  # the embedding channel: the full text in both
