"""The redacting LLM proxy: OpenAI-compatible routes that redact on the way out and back.

    POST /v1/chat/completions, /v1/completions, /v1/embeddings  ->  {upstream.base_url}/...

1. The request body is read (413 over the limit, 415 unless JSON, 400 if malformed) and
   every string, object key and number in it is redacted (jsonwalk.py) in one batched call.
2. Only if that completed for every text is the redacted body sent upstream, with only the
   allow-listed headers (`upstream.forward_headers`, content-type, and the upstream key, or
   the caller's Authorization when the service itself has no auth). Any failure: an error
   status, nothing forwarded.
3. The answer is redacted too: every string and key of a JSON answer (numbers pass: token
   counts, timestamps and embedding vectors are the upstream's own, computed from redacted
   input), a text answer as one text, a streamed answer on the fly (stream.py). Other
   content types are refused (502).

Re-identification: with `reidentify: true` in the config, a caller that sends
`x-jpt-reidentify: true` gets the replacements of *its own request* mapped back to its values
in the answer (vault.py). Nothing of it is logged or kept after the request.
"""
from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .http import HTTPError, read_json, route_path
from .jsonwalk import PARSE_HOOKS, TooDeep, collect, dumps, loads, rebuild
from .state import ServiceState, new_request_id
from .stream import SSERedactor, error_event
from .vault import Vault, render

log = logging.getLogger("jpt_redact.service.proxy")

# route -> path below the upstream base URL (which ends in /v1, as OpenAI clients expect)
ROUTES = {"/v1/chat/completions": "/chat/completions", "/v1/completions": "/completions", "/v1/embeddings": "/embeddings"}
REIDENTIFY_HEADER = "x-jpt-reidentify"
PASSED_HEADERS = frozenset({"retry-after"})  # upstream answer headers passed back (and x-ratelimit-*)


async def redact_json(svc: ServiceState, doc: Any, *, numbers: bool, request_id: str,
                      vault: Vault | None = None, restore: bool = False) -> tuple[Any, int]:
    """`doc` with every collected text redacted (and, with `restore`, the vault applied)."""
    try:
        texts = collect(doc, numbers=numbers)
    except TooDeep as exc:
        raise HTTPError(400, str(exc)) from None
    results = await svc.redact(texts, request_id=request_id) if texts else []
    mapping = {}
    for text, result in zip(texts, results):
        if vault is not None and not restore:
            vault.add(text, result)
        mapping[text] = render(text, result.findings, vault=vault) if restore and vault else result.text
    return rebuild(doc, mapping, numbers=numbers), sum(len(r.findings) for r in results)


async def proxy_endpoint(request: Request) -> Response:
    svc: ServiceState = request.app.state.service
    upstream = svc.config.upstream
    if upstream is None or svc.http is None:
        raise HTTPError(503, "no upstream is configured for the proxy routes", "no_upstream")
    suffix = ROUTES[route_path(request.scope)]
    doc = await read_json(request, svc.config.limits.max_body_bytes, **PARSE_HOOKS)
    if not isinstance(doc, dict):
        raise HTTPError(400, "the body must be a JSON object")
    rid = new_request_id()
    wants_back = request.headers.get(REIDENTIFY_HEADER, "").strip().lower() in ("1", "true", "yes")
    if wants_back and not svc.config.reidentify:
        raise HTTPError(403, "re-identification is not enabled on this server", "forbidden")
    vault = Vault() if wants_back else None
    redacted, n_findings = await redact_json(svc, doc, numbers=True, request_id=rid, vault=vault)
    body = dumps(redacted).encode("utf-8")  # only now, with every text redacted, may it leave

    headers = {"content-type": "application/json"}
    for name in upstream.forward_headers:
        if name.lower() in request.headers and name.lower() not in ("authorization", "cookie", "host"):
            headers[name.lower()] = request.headers[name.lower()]
    if svc.upstream_key:
        headers["authorization"] = f"Bearer {svc.upstream_key}"
    elif svc.config.auth is None and "authorization" in request.headers:
        headers["authorization"] = request.headers["authorization"]
    extra = {"x-request-id": rid, "x-jpt-redact-findings": str(n_findings)}

    import httpx

    upstream_request = svc.http.build_request("POST", upstream.base_url + suffix, content=body, headers=headers)
    try:
        answer = await svc.http.send(upstream_request, stream=True)
    except httpx.TimeoutException:
        raise HTTPError(504, "the upstream did not answer in time", "upstream_timeout") from None
    except httpx.HTTPError as exc:
        raise HTTPError(502, f"the upstream cannot be reached ({type(exc).__name__})", "upstream_unreachable") from None
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "text/event-stream" and answer.status_code == 200:
        return _stream_answer(svc, answer, rid, vault, extra)
    try:
        raw = await _read_limited(answer, svc.config.limits.max_body_bytes * 8)
    finally:
        await answer.aclose()
    content = await _redact_answer(svc, raw, media, rid, vault)
    passed = {k: v for k, v in answer.headers.items() if k.lower() in PASSED_HEADERS or k.lower().startswith("x-ratelimit-")}
    return Response(content, status_code=answer.status_code, media_type=media or None, headers={**passed, **extra})


async def _read_limited(answer: Any, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in answer.aiter_bytes():  # content-encoding undone
        size += len(chunk)
        if size > limit:
            raise HTTPError(502, "the upstream answer is too large to redact", "upstream_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


async def _redact_answer(svc: ServiceState, raw: bytes, media: str, rid: str, vault: Vault | None) -> bytes:
    if not raw:
        return raw
    if media == "application/json" or media.endswith("+json"):
        try:
            doc = loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise HTTPError(502, "the upstream answered malformed JSON", "upstream_malformed") from None
        out, _ = await redact_json(svc, doc, numbers=False, request_id=rid + "-answer", vault=vault, restore=True)
        return dumps(out).encode("utf-8")
    if media.startswith("text/"):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPError(502, "the upstream answered text that is not UTF-8", "upstream_malformed") from None
        result = (await svc.redact([text], request_id=rid + "-answer"))[0]
        return (render(text, result.findings, vault=vault) if vault else result.text).encode("utf-8")
    raise HTTPError(502, "the upstream answered a content type that cannot be redacted", "upstream_unredactable")


def _stream_answer(svc: ServiceState, answer: Any, rid: str, vault: Vault | None, extra: dict) -> Response:
    async def redact(texts: list[str]) -> list[Any]:
        return await svc.redact(texts, request_id=rid + "-stream")

    sse = SSERedactor(redact, svc.config.stream, vault, on_release=svc.metrics.stream_delay.observe)

    async def body():
        try:
            async for out in sse.run(answer.aiter_bytes()):
                yield out
        except Exception as exc:  # noqa: BLE001  the status is sent already: end with an error event
            log.warning("stream %s stopped: %s", rid, type(exc).__name__)
            yield error_event("redaction failed; the rest of the answer was withheld")
        finally:
            await answer.aclose()

    return StreamingResponse(body(), media_type="text/event-stream", headers={**extra, "cache-control": "no-cache"})


__all__ = ["ROUTES", "proxy_endpoint", "redact_json"]
