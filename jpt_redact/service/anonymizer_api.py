"""Presidio's anonymizer REST API, on jpt-redact's operators (found through the registry).

    POST /anonymize    {text, anonymizers: {ENTITY|DEFAULT: {type, ...}}, analyzer_results}  -> {text, items}
    POST /deanonymize  {text, deanonymizers: {ENTITY|DEFAULT: {type: decrypt, key}}, anonymizer_results}
                       -> {text, items}
    GET  /anonymizers, /deanonymizers

Presidio operator -> ours:

* replace {new_value} (default `<ENTITY>`): replace with that text.
* redact, keep: the same.
* mask {masking_char, chars_to_mask, from_end}: mask, the same characters masked.
* hash {hash_type: sha256}: keyed HMAC-SHA256 (64 hex digits) under the server's key. md5,
  sha512 and salts are refused: an unkeyed hash of a name or an SSN is reversed by hashing
  every candidate.
* encrypt {key}: AES-SIV token `[ENC:<ENTITY>:...]` under a key derived from the caller's
  `key` (the server's key if none); /deanonymize with `decrypt` and the same key reverses it.
  Not Presidio's ciphertext format: Presidio's tokens cannot be decrypted here, nor ours there.
* any operator of ours (`pseudonymize`, numbered `replace`, ...): by name, native parameters.
* custom (a lambda): refused, as by Presidio's own service.

Entities without an operator get DEFAULT, else Presidio's default `<ENTITY_TYPE>`. Overlapping
results: the higher score wins, then the longer, then the earlier (Presidio merges some
overlaps differently). `items` list each replaced entity at its position in the output, last
first, as Presidio does. Operator errors (an unknown type, a bad parameter, a missing key)
are 422 with a message naming the entity's position and parameter, never a value.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import registry
from ..errors import OperatorError, PluginError
from .http import HTTPError, read_json, validate
from .presidio_schemas import AnonymizeRequest, DeanonymizeRequest
from .state import ServiceState

_LABEL = re.compile(r"[A-Z][A-Z0-9_]{0,63}")  # entity names are shown in errors; anything else is not
PRESIDIO_OPERATORS = ("replace", "redact", "mask", "hash", "encrypt", "keep")
DEFAULT_KEY = "DEFAULT"

Apply = Callable[[str, str], str]  # (value, entity type) -> replacement


def _keys_from(key: Any, svc: ServiceState, where: str) -> Any:
    from ..keys import KeyProvider

    if key is None:
        return svc.redactor.keys
    if not isinstance(key, str):
        raise HTTPError(422, f"{where}: key must be a string", "operator_error")
    return KeyProvider.from_text(key, source=f"{where}.key")


def _native(name: str, params: dict, where: str) -> Any:
    try:
        return registry.operators.get(name)(**params)
    except PluginError:
        raise HTTPError(422, f"{where}: unknown operator (GET /anonymizers lists them)", "operator_error") from None
    except OperatorError as exc:
        raise HTTPError(422, f"{where}: {exc}", "operator_error") from None


def _context(keys: Any, doc_state: dict) -> Any:
    from ..exporters.operators.base import OperatorContext

    return OperatorContext(keys=keys, doc_state=doc_state, run_state={})


def build_operator(config: dict, where: str, svc: ServiceState, doc_state: dict) -> tuple[str, Apply]:
    """(operator name for `items`, a function applying it) for one Presidio operator config."""
    params = dict(config)
    kind = params.pop("type", None)
    if not isinstance(kind, str):
        raise HTTPError(422, f"{where}: missing operator type", "operator_error")
    if kind == "custom":
        raise HTTPError(422, f"{where}: custom operators are not supported by the service", "operator_error")
    keys = svc.redactor.keys
    if kind == "replace" and "new_value" in params:
        new_value = params.pop("new_value")
        if not isinstance(new_value, str) or params:
            raise HTTPError(422, f"{where}: replace takes new_value (a string) and nothing else", "operator_error")
        op = _native("replace", {"template": new_value.replace("{", "{{").replace("}", "}}")}, where)
    elif kind == "mask" and "masking_char" in params:
        return "mask", _presidio_mask(params, where, svc, doc_state)
    elif kind == "hash":
        hash_type = params.pop("hash_type", "sha256")
        if hash_type != "sha256" or "salt" in params:
            raise HTTPError(422, f"{where}: only hash_type sha256 is offered, keyed with the server's key "
                                 "(no md5, sha512 or salt)", "operator_error")
        op = _native("hash", {"length": 64, **params}, where)
    elif kind == "encrypt":
        keys = _keys_from(params.pop("key", None), svc, where)
        op = _native("encrypt", params, where)
    else:
        op = _native(kind, params, where)
    ctx = _context(keys, doc_state)
    return kind, lambda value, entity: op.apply(value, entity, ctx)


def _presidio_mask(params: dict, where: str, svc: ServiceState, doc_state: dict) -> Apply:
    char, count, from_end = params.pop("masking_char"), params.pop("chars_to_mask", None), params.pop("from_end", False)
    if params or not isinstance(char, str) or len(char) != 1 or isinstance(count, bool) or not isinstance(count, int) \
            or count < 0 or not isinstance(from_end, bool):
        raise HTTPError(422, f"{where}: mask takes masking_char (one character), chars_to_mask (an integer >= 0) "
                             "and from_end (true or false)", "operator_error")
    ctx = _context(svc.redactor.keys, doc_state)

    def apply(value: str, entity: str) -> str:
        k = min(count, len(value))
        if k == 0:
            return value
        keep = {"keep_first": len(value) - k} if from_end else {"keep_last": len(value) - k}
        return _native("mask", {"char": char, **keep}, where).apply(value, entity, ctx)

    return apply


def _resolve(results: list[Any], text: str) -> list[Any]:
    for i, r in enumerate(results):
        if r.start > r.end or r.end > len(text):
            raise HTTPError(422, f"analyzer_results[{i}]: start/end outside the text (length {len(text)})",
                            "invalid_result")
    ranked = sorted((r for r in results if r.end > r.start), key=lambda r: (-(r.score or 0.0), r.start - r.end, r.start))
    kept: list[Any] = []
    for r in ranked:
        if all(r.end <= k.start or k.end <= r.start for k in kept):
            kept.append(r)
    return sorted(kept, key=lambda r: r.start)


def _replace(text: str, spans: list[tuple[Any, str, str]]) -> tuple[str, list[dict]]:
    """spans: (result, operator name, replacement), sorted, disjoint -> new text and items."""
    out, items, cursor, pos = [], [], 0, 0
    for r, name, replacement in spans:
        gap = text[cursor : r.start]
        out.append(gap)
        pos += len(gap)
        items.append({"start": pos, "end": pos + len(replacement), "entity_type": r.entity_type,
                      "text": replacement, "operator": name})
        out.append(replacement)
        pos += len(replacement)
        cursor = r.end
    out.append(text[cursor:])
    return "".join(out), sorted(items, key=lambda i: i["start"], reverse=True)


async def anonymize_endpoint(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    body: AnonymizeRequest = validate(AnonymizeRequest, await read_json(request, svc.config.limits.max_body_bytes))
    configs = body.anonymizers or {}
    doc_state: dict = {}  # numbered placeholders count per request, like a document
    built: dict[str, tuple[str, Apply]] = {}
    spans = []
    for r in _resolve(body.analyzer_results, body.text):
        key = r.entity_type if r.entity_type in configs else DEFAULT_KEY
        if key not in built:
            where = f"anonymizers.{key if _LABEL.fullmatch(key) else '*'}"
            built[key] = build_operator(configs.get(key, {"type": "replace"}), where, svc, doc_state)
        name, apply = built[key]
        try:
            replacement = apply(body.text[r.start : r.end], r.entity_type)
        except OperatorError as exc:
            # operator messages may name the label, which here is the caller's entity_type
            detail = str(exc) if _LABEL.fullmatch(r.entity_type) else f"{name} failed for this entity type"
            raise HTTPError(422, f"anonymizing the result at {r.start}..{r.end}: {detail}", "operator_error") from None
        spans.append((r, name, replacement))
    text, items = _replace(body.text, spans)
    return JSONResponse({"text": text, "items": items})


async def deanonymize_endpoint(request: Request) -> JSONResponse:
    from ..exporters.operators.restore import restore_text

    svc: ServiceState = request.app.state.service
    body: DeanonymizeRequest = validate(DeanonymizeRequest, await read_json(request, svc.config.limits.max_body_bytes))
    ordered = sorted(enumerate(body.anonymizer_results), key=lambda p: p[1].start)
    spans, prev_end = [], 0
    for i, r in ordered:
        if r.start >= r.end or r.end > len(body.text) or r.start < prev_end:
            raise HTTPError(422, f"anonymizer_results[{i}]: empty, outside the text or overlapping another",
                            "invalid_result")
        prev_end = r.end
        config = dict(body.deanonymizers.get(r.entity_type) or body.deanonymizers.get(DEFAULT_KEY) or {"type": "decrypt"})
        if config.pop("type", None) != "decrypt" or set(config) - {"key"}:
            raise HTTPError(422, f"anonymizer_results[{i}]: the only deanonymizer is decrypt {{key}}", "operator_error")
        keys = _keys_from(config.get("key"), svc, "deanonymizers")
        segment = body.text[r.start : r.end]
        try:
            plain = restore_text(segment, keys)
        except OperatorError as exc:
            raise HTTPError(422, f"anonymizer_results[{i}]: {exc}", "operator_error") from None
        if plain == segment:
            raise HTTPError(422, f"anonymizer_results[{i}]: no encrypted token there", "operator_error")
        spans.append((r, "decrypt", plain))
    text, items = _replace(body.text, spans)
    return JSONResponse({"text": text, "items": items})


async def anonymizers_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(sorted(set(PRESIDIO_OPERATORS) | set(registry.operators.names())))


async def deanonymizers_endpoint(request: Request) -> JSONResponse:
    return JSONResponse(["decrypt"])
