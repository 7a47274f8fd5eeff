"""Every string of a JSON document, its object keys and its numbers, redacted and put back.

    doc = loads(body)                        # numbers stay their literal text (RawNumber)
    texts = collect(doc)                     # distinct texts to redact, in document order
    out = rebuild(doc, {t: redact(t) ...})   # same shape; changed numbers become strings
    body = dumps(out)

Fail closed by construction: nothing is skipped because of *where* it sits. An SSN sent as
the integer 123456789, a name used as an object key, a value under a key called "model" or
"role" at any depth: all are redacted. The only strings not sent to the Redactor are the
exact words of the OpenAI wire protocol (PROTOCOL_WORDS: "user", "assistant", "content",
"chat.completion", ...), whatever their position: a string that *is* one of these words holds
no personal data, and skipping them keeps a chat request from costing one model call per key.

A number whose literal the Redactor changes becomes a JSON string (the placeholder): the
upstream may reject the request, which is the safe failure. Two keys of one object that
redact to the same text are kept apart with a suffix (`<PERSON>`, `<PERSON>#2`).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class RawNumber(str):
    """A JSON number kept as its literal text (so '123456789' can be redacted and 1e5 stays 1e5)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_int=RawNumber, parse_float=RawNumber, parse_constant=_reject_constant)


PARSE_HOOKS = {"parse_int": RawNumber, "parse_float": RawNumber, "parse_constant": _reject_constant}

PROTOCOL_WORDS = frozenset("""
model messages role content name type text image_url url detail input_audio data format tool_calls
tool_call_id id function arguments tools parameters description properties required items enum strict
tool_choice temperature top_p n stream stream_options include_usage stop max_tokens
max_completion_tokens presence_penalty frequency_penalty logit_bias logprobs top_logprobs user seed
response_format json_schema schema modalities audio voice reasoning_effort store parallel_tool_calls
service_tier prompt suffix echo best_of input encoding_format dimensions choices index message
finish_reason usage prompt_tokens completion_tokens total_tokens object created system_fingerprint
delta refusal embedding error code param additionalProperties annotations metadata
prompt_tokens_details completion_tokens_details cached_tokens reasoning_tokens token bytes
system assistant tool developer auto none low high medium json_object length content_filter
function_call float base64 chat.completion chat.completion.chunk text_completion list
string number integer boolean array null
""".split())


MAX_DEPTH = 128  # deeper documents are refused (the walks recurse)


class TooDeep(ValueError):
    """The document nests deeper than MAX_DEPTH."""


def _wanted(text: str) -> bool:
    return bool(text) and text not in PROTOCOL_WORDS


def collect(doc: Any, *, numbers: bool = True) -> list[str]:
    """The distinct texts to redact: string values, object keys and (if `numbers`) number
    literals, in document order, without protocol words and empty strings."""
    seen: dict[str, None] = {}

    def walk(node: Any, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            raise TooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, RawNumber):
            if numbers and _wanted(node):
                seen.setdefault(str(node))
        elif isinstance(node, str):
            if _wanted(node):
                seen.setdefault(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                if _wanted(k):
                    seen.setdefault(k)
                walk(v, depth + 1)
        elif isinstance(node, list):
            for v in node:
                walk(v, depth + 1)

    walk(doc)
    return list(seen)


def rebuild(doc: Any, redacted: Mapping[str, str], *, numbers: bool = True) -> Any:
    """A copy of `doc` with every collected text replaced by `redacted[text]`. A collected
    text missing from `redacted` is a bug in the caller: KeyError, never the original."""

    def text(value: str) -> str:
        return redacted[value] if _wanted(value) else value

    def walk(node: Any) -> Any:
        if isinstance(node, RawNumber):
            if not numbers or not _wanted(node):
                return node
            out = redacted[str(node)]
            return node if out == node else out
        if isinstance(node, str):
            return text(node)
        if isinstance(node, dict):
            new: dict[str, Any] = {}
            for k, v in node.items():
                key = text(k)
                if key in new:
                    i = 2
                    while f"{key}#{i}" in new:
                        i += 1
                    key = f"{key}#{i}"
                new[key] = walk(v)
            return new
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(doc)


def dumps(doc: Any) -> str:
    """Compact JSON; RawNumber literals are written as they came."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, RawNumber):
            parts.append(str(node))
        elif isinstance(node, str):
            parts.append(json.dumps(node, ensure_ascii=False))
        elif node is True:
            parts.append("true")
        elif node is False:
            parts.append("false")
        elif node is None:
            parts.append("null")
        elif isinstance(node, (int, float)):
            parts.append(json.dumps(node))
        elif isinstance(node, dict):
            parts.append("{")
            for i, (k, v) in enumerate(node.items()):
                if i:
                    parts.append(",")
                parts.append(json.dumps(str(k), ensure_ascii=False))
                parts.append(":")
                walk(v)
            parts.append("}")
        elif isinstance(node, (list, tuple)):
            parts.append("[")
            for i, v in enumerate(node):
                if i:
                    parts.append(",")
                walk(v)
            parts.append("]")
        else:
            raise TypeError(f"cannot serialise {type(node).__name__} as JSON")

    walk(doc)
    return "".join(parts)
