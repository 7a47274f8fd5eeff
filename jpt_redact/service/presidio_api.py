"""Presidio's analyzer REST API over the policy: existing Presidio clients work unchanged.

    POST /analyze            {text | [texts], language, entities?, score_threshold?, ...}
                             -> [{entity_type, start, end, score, analysis_explanation}]  (a list of lists for a list)
    GET  /recognizers        -> recognizer names;  GET /supportedentities -> entity names

Entity names are Presidio's: a policy type's `presidio_entity`, else its label (as in the
Presidio adapter, plugins/presidio). Several types may share one name (STREET_ADDRESS and
LOCATION are both LOCATION in the default policy).

Like Presidio: `entities` filters the results and a request none of whose entities is
supported is refused (400; unknown names next to supported ones are ignored), ad-hoc
recognizers (patterns and deny lists, with context words raising a preceding match's score by
0.35 to at least 0.4) add results for that request only, `allow_list` drops results by value.
Unlike Presidio: the context words do not change the policy's own results (the JPT model
reads the whole text and needs none), and ad-hoc regexes run under a time limit (`regex`
module) so a catastrophic pattern is a 422, not a stuck server.
"""
from __future__ import annotations

import json
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from .http import HTTPError, read_json, validate
from .presidio_schemas import AdHocRecognizer, AnalyzeRequest
from .state import ServiceState

JPT_RECOGNIZER = "JPTRecognizer"
DEFAULT_REGEX_FLAGS = re.DOTALL | re.MULTILINE | re.IGNORECASE  # Presidio's default
REGEX_TIMEOUT_S = 1.0
CONTEXT_BOOST, CONTEXT_MIN_SCORE, CONTEXT_WINDOW = 0.35, 0.4, 5  # Presidio's context enhancer defaults
DEFINITION_PREVIEW = 120


def _explanation(recognizer: str, score: float, *, original: float | None = None, pattern_name: str | None = None,
                 pattern: str | None = None, text: str | None = None, context_word: str = "",
                 flags: int | None = None) -> dict:
    original = score if original is None else original
    return {"recognizer": recognizer, "pattern_name": pattern_name, "pattern": pattern, "original_score": original,
            "score": score, "textual_explanation": text, "score_context_improvement": score - original,
            "supportive_context_word": context_word, "validation_result": None, "regex_flags": flags}


def _policy_result(svc: ServiceState, span: Any, entity: str, explain: bool) -> dict:
    out = {"entity_type": entity, "start": span.start, "end": span.end, "score": float(span.score),
           "analysis_explanation": None}
    if explain:
        # definitions are policy text, not PII; the value is never quoted
        if span.from_model:
            definition = " ".join(svc.redactor.policy.entities[span.label].definition.split())
            text = f"JPT match for definition of {span.label}: {definition[:DEFINITION_PREVIEW]}"
            out["analysis_explanation"] = _explanation(JPT_RECOGNIZER, float(span.score), text=text)
        else:
            out["analysis_explanation"] = _explanation(
                JPT_RECOGNIZER, float(span.score), pattern_name=span.recognizer,
                text=f"jpt-redact {span.recognizer} match for {span.label}")
    return out


def _compile(pattern: str, flags: int, where: str) -> Any:
    import regex

    try:
        return regex.compile(pattern, flags)
    except (regex.error, ValueError, OverflowError):
        raise HTTPError(400, f"{where}: not a valid regular expression") from None


def _context_boost(text: str, start: int, words: set[str]) -> str:
    before = re.findall(r"\w+", text[:start])[-CONTEXT_WINDOW:]
    return next((w for w in reversed(before) if w.lower() in words), "")


def _ad_hoc(text: str, recognizers: list[tuple[int, AdHocRecognizer]], flags: int, context: list[str],
            explain: bool) -> list[dict]:
    out: list[dict] = []
    for i, rec in recognizers:
        name = rec.name or "PatternRecognizer"
        rec_flags = rec.global_regex_flags if rec.global_regex_flags is not None else flags
        words = {w.lower() for w in (rec.context or []) + context}
        compiled = [(p.name, p.regex, p.score, _compile(p.regex, rec_flags, f"ad_hoc_recognizers[{i}].patterns[{j}]"))
                    for j, p in enumerate(rec.patterns)]
        if rec.deny_list:
            deny = r"(?:^|(?<=\W))(" + "|".join(re.escape(w) for w in rec.deny_list) + r")(?:(?=\W)|$)"
            compiled.append(("deny_list", deny, rec.deny_list_score,
                             _compile(deny, rec_flags, f"ad_hoc_recognizers[{i}].deny_list")))
        for j, (pname, pattern, score, rx) in enumerate(compiled):
            try:
                matches = [(m.start(), m.end()) for m in rx.finditer(text, timeout=REGEX_TIMEOUT_S) if m.end() > m.start()]
            except TimeoutError:
                raise HTTPError(422, f"ad_hoc_recognizers[{i}]: pattern {j} took longer than "
                                     f"{REGEX_TIMEOUT_S:g} s", "regex_timeout") from None
            for start, end in matches:
                word = _context_boost(text, start, words) if words else ""
                final = min(1.0, max(score + CONTEXT_BOOST, CONTEXT_MIN_SCORE)) if word else score
                result = {"entity_type": rec.supported_entity, "start": start, "end": end, "score": final,
                          "analysis_explanation": None}
                if explain:
                    result["analysis_explanation"] = _explanation(
                        name, final, original=score, pattern_name=pname, pattern=pattern, context_word=word,
                        flags=rec_flags)
                out.append(result)
    return out


def _allowed(value: str, body: AnalyzeRequest, flags: int) -> bool:
    if not body.allow_list:
        return False
    if body.allow_list_match == "exact":
        return value in body.allow_list
    rx = _compile("|".join(body.allow_list), flags, "allow_list")
    try:
        return rx.search(value, timeout=REGEX_TIMEOUT_S) is not None
    except TimeoutError:
        raise HTTPError(422, f"allow_list: the pattern took longer than {REGEX_TIMEOUT_S:g} s", "regex_timeout") from None


async def analyze_endpoint(request: Request) -> Response:
    svc: ServiceState = request.app.state.service
    body: AnalyzeRequest = validate(AnalyzeRequest, await read_json(request, svc.config.limits.max_body_bytes))
    policy = svc.redactor.policy
    if body.language != policy.language:
        raise HTTPError(400, f"language is not supported by this server (supported: {policy.language})")
    names = svc.presidio_names()
    ad_hoc = [(i, r) for i, r in enumerate(body.ad_hoc_recognizers or [])
              if r.supported_language in (None, body.language)]
    supported = set(names.values()) | {r.supported_entity for _, r in ad_hoc}
    wanted = set(body.entities) if body.entities is not None else None
    if wanted is not None and not wanted & supported:
        raise HTTPError(400, "none of the requested entities is supported (GET /supportedentities lists them)",
                        "unknown_entity")
    texts = [body.text] if isinstance(body.text, str) else body.text
    run_policy = wanted is None or any(n in wanted for n in names.values())
    analyses = await svc.analyze(texts) if run_policy else [None] * len(texts)
    flags = body.regex_flags if body.regex_flags is not None else DEFAULT_REGEX_FLAGS
    answers = []
    for text, analysis in zip(texts, analyses):
        results = [_policy_result(svc, s, names[s.label], body.return_decision_process)
                   for s in (analysis.spans if analysis is not None else ())]
        results += _ad_hoc(text, ad_hoc, flags, body.context or [], body.return_decision_process)
        threshold = body.score_threshold or 0.0
        results = [r for r in results
                   if (wanted is None or r["entity_type"] in wanted) and r["score"] >= threshold
                   and not _allowed(text[r["start"] : r["end"]], body, flags)]
        answers.append(sorted(results, key=lambda r: (r["start"], r["end"], r["entity_type"])))
    payload = answers if isinstance(body.text, list) else answers[0]
    return Response(json.dumps(payload, sort_keys=True), media_type="application/json")


def _language(request: Request, svc: ServiceState) -> bool:
    language = request.query_params.get("language")
    return language is None or language == svc.redactor.policy.language


async def recognizers_endpoint(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    if not _language(request, svc):
        return JSONResponse([])
    names = {rec.name for _, rec in svc.redactor.recognizers}
    return JSONResponse(([JPT_RECOGNIZER] if svc.redactor.use_model else []) + sorted(names))


async def supported_entities_endpoint(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    if not _language(request, svc):
        return JSONResponse([])
    return JSONResponse(sorted(set(svc.presidio_names().values())))
