"""Embedding forms of a definition (model/definition_forms.py) and the engine's use of them."""
from __future__ import annotations

import pytest

from jpt_redact.model.definition_forms import embedding_text, gist, positive_part


@pytest.mark.parametrize("definition, expected_gist", [
    ("Name of a person known as an artist: musician, singer (taylor swift, claude monet). Excludes bands "
     "(musical group) and the titles of their works.", "Name of a person known as an artist: musician, singer."),
    ("Payment card numbers (4111 1111 1111 1111). Not order or phone numbers.", "Payment card numbers."),
    ("Not a date. A clock time of day (10:30, noon).", "A clock time of day."),
    ("Internal ticket ids such as TCK-00123", "Internal ticket ids such as TCK-00123."),
    ("Not order numbers.", "Not order numbers."),  # nothing positive is left: kept as written
])
def test_gist(definition, expected_gist):
    assert gist(definition) == expected_gist


def test_positive_part_drops_only_exclusion_sentences():
    d = "US Social Security numbers (123-45-6789). Never phone numbers. Written with dashes."
    assert positive_part(d) == "US Social Security numbers (123-45-6789). Written with dashes."


def test_embedding_text_forms():
    d = "Payment card numbers (4111). Not order numbers."
    assert embedding_text(d, "as_written") == d
    assert embedding_text(d, "gist") == "Payment card numbers."
    with pytest.raises(ValueError):
        embedding_text(d, "summary")


def test_engine_embeds_the_checkpoint_form_and_prompts_the_definition_as_written():
    from engine_fixtures import HashEncoder, make_engine, one_torch_thread

    types = {"CARD": "Payment card numbers (4111 1111 1111 1111). Not order numbers."}
    seen = []

    class Recording(HashEncoder):
        def encode(self, definitions):
            seen.append(list(definitions))
            return super().encode(definitions)

    with one_torch_thread():
        written = make_engine(encoder=Recording(), use_prefix_cache=False).prepare(types)
        gisted = make_engine(encoder=Recording(), use_prefix_cache=False, embed_form="gist").prepare(types)
    assert seen[0][1:] == [types["CARD"]] and seen[1][1:] == ["Payment card numbers."]
    assert written.pieces.prefix_ids == gisted.pieces.prefix_ids, "the prompt must not change with the form"


def test_checkpoint_without_embed_form_reads_as_written():
    from jpt_redact.model.checkpoint import CheckpointConfig

    cfg = CheckpointConfig(backbone_id="b", backbone_sha256="0" * 64, encoder_id="e", d_llm=8, d_enc=4, layer=None)
    assert cfg.embed_form == "as_written"


def test_training_embeds_a_paraphrase_of_the_same_label_apart_from_the_prompts():
    from jpt_redact.train.lora_training import _embedded_paraphrase

    paraphrases = {"CARD": ["Payment card numbers (4111 1111 1111 1111). Not order numbers.",
                            "Credit or debit card numbers.", "Card PANs written in groups of four digits."]}
    written = paraphrases["CARD"][0]
    drawn = [_embedded_paraphrase("CARD", written, paraphrases, f"shard:{i}") for i in range(200)]
    assert set(drawn) <= set(paraphrases["CARD"])
    assert drawn == [_embedded_paraphrase("CARD", written, paraphrases, f"shard:{i}") for i in range(200)]
    shortest = drawn.count("Credit or debit card numbers.") / len(drawn)
    assert 0.55 < shortest < 0.8, shortest  # the shortest half of the time, plus its share of the uniform draws
    assert len(set(drawn)) == 3
    assert _embedded_paraphrase("OTHER", "Only this one.", paraphrases, "k") == "Only this one."
