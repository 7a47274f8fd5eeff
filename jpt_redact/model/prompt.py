"""The Appendix C prompt: definitions in the prompt, then the text twice.

The prompt is rendered with the backbone's own chat template when it has one and split
into three token pieces:

    prefix  = system rules + user turn with the definitions + assistant acknowledgement
              + "The first time: '"                     (text-independent: KV-cacheable)
    bridge  = "' The second time: '"
    the text's tokens go before and after the bridge; nothing after the second copy is
    needed, because under causal attention later tokens cannot change earlier states.

The text is tokenized on its own (with offsets) so that every second-copy token maps back
to exact character offsets in the original text, and so that both copies are identical.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

PROMPT_VERSION = 1

SYSTEM_RULES = (
    "You are a precise entity tagger for privacy redaction. The user defines entity types. "
    "Read the text and tag every span that matches a definition, and nothing else. "
    "Words that no definition covers are not entities."
)
ACKNOWLEDGEMENT = "Understood. I will tag only spans that match these definitions."
FIRST_MARK = "\u241eJPT_FIRST\u241e"
SECOND_MARK = "\u241eJPT_SECOND\u241e"


def prompt_form(definition: str) -> str:
    """What the prompt shows for a definition: its short form when it carries one (a
    policy's `prompt_definition`, see jpt_redact.policy.Definition)."""
    return getattr(definition, "prompt", definition)


def type_key(types: Mapping[str, str]) -> list[list[str]]:
    """The (label, definition[, prompt form]) rows a prepared type set is keyed by: a prompt
    form is part of the key only when it differs, so plain definitions keep their cache keys."""
    rows = []
    for label, definition in types.items():
        prompt = prompt_form(definition)
        rows.append([label, str(definition)] + ([prompt] if prompt != str(definition) else []))
    return rows


def definitions_block(types: Mapping[str, str]) -> str:
    lines = [f"- {label}: {prompt_form(definition).strip()}" for label, definition in types.items()]
    return "Entity types:\n" + "\n".join(lines) + "\n\nI will show you a text twice. Tag the entities of these types."


@dataclass(frozen=True)
class PromptPieces:
    prefix_ids: tuple[int, ...]
    bridge_ids: tuple[int, ...]


def _render(tokenizer: Any, types: Mapping[str, str]) -> str:
    user_text = f"The first time: '{FIRST_MARK}' The second time: '{SECOND_MARK}'"
    messages = [
        {"role": "system", "content": SYSTEM_RULES},
        {"role": "user", "content": definitions_block(types)},
        {"role": "assistant", "content": ACKNOWLEDGEMENT},
        {"role": "user", "content": user_text},
    ]
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=False)
    # Backbones without a chat template get a plain transcript of the same turns.
    return "".join(f"{m['role'].capitalize()}: {m['content']}\n\n" for m in messages)


def build_prompt(tokenizer: Any, types: Mapping[str, str]) -> PromptPieces:
    rendered = _render(tokenizer, types)
    head, rest = rendered.split(FIRST_MARK, 1)
    bridge, _ = rest.split(SECOND_MARK, 1)
    prefix_ids = tokenizer(head, add_special_tokens=False)["input_ids"]
    bos = getattr(tokenizer, "bos_token_id", None)
    if bos is not None and getattr(tokenizer, "add_bos_token", False) and (not prefix_ids or prefix_ids[0] != bos):
        prefix_ids = [bos] + prefix_ids
    bridge_ids = tokenizer(bridge, add_special_tokens=False)["input_ids"]
    return PromptPieces(tuple(prefix_ids), tuple(bridge_ids))


@dataclass(frozen=True)
class TokenizedText:
    ids: tuple[int, ...]
    offsets: tuple[tuple[int, int], ...]  # character offsets of each token in the original text


def tokenize_text(tokenizer: Any, text: str) -> TokenizedText:
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    offsets = []
    for start, end in enc["offset_mapping"]:
        # byte-level BPE splits a multi-byte character over tokens; clamp so every token
        # still points into the text
        start = max(0, min(start, len(text)))
        end = max(start, min(end, len(text)))
        offsets.append((start, end))
    return TokenizedText(tuple(enc["input_ids"]), tuple(offsets))


def duplicated_suffix(text_ids: tuple[int, ...] | list[int], pieces: PromptPieces) -> tuple[list[int], int]:
    """Token ids after the prefix, and the index where the second copy starts."""
    ids = list(text_ids) + list(pieces.bridge_ids) + list(text_ids)
    return ids, len(text_ids) + len(pieces.bridge_ids)
