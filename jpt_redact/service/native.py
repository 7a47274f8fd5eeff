"""The native API over the policy loaded at start: batch in, findings and redacted text out.

    POST /v1/redact   {"texts": ["..."], "document_ids": ["a", ...]}  ->  {"policy", "results": [...]}
    POST /v1/analyze  {"texts": ["..."]}                              ->  {"policy", "results": [...]}

`text` (one string) may stand for `texts` of one. Each redacted text writes one audit record
when the server has an audit log (`audit_path`), under its document id (default
`<request id>/<index>`). Findings hold types, offsets, scores, actions and keyed value hashes,
never values. If any text of a request cannot be redacted the whole request is refused (503):
a client never receives a mix in which one text silently stayed unredacted.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from .http import read_json, validate
from .state import ServiceState, new_request_id


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="One text (short for texts: [text]).")
    texts: list[str] | None = Field(None, description="The texts, in order.")

    @model_validator(mode="after")
    def _one_of(self):
        if (self.text is None) == (self.texts is None):
            raise ValueError("give exactly one of text and texts")
        return self

    def all_texts(self) -> list[str]:
        return [self.text] if self.text is not None else list(self.texts or [])


class RedactRequest(_Body):
    document_ids: list[str] | None = Field(None, description="Audit document ids, one per text.")

    @model_validator(mode="after")
    def _ids(self):
        if self.document_ids is not None and len(self.document_ids) != len(self.all_texts()):
            raise ValueError("document_ids needs one id per text")
        return self


class AnalyzeRequest(_Body):
    pass


def _policy(svc: ServiceState) -> dict:
    return {"name": svc.redactor.policy.name, "version": svc.redactor.policy.version}


async def redact_endpoint(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    body = validate(RedactRequest, await read_json(request, svc.config.limits.max_body_bytes))
    rid = new_request_id()
    results = await svc.redact(body.all_texts(), request_id=rid, document_ids=body.document_ids)
    # input/output digests are left out: the caller has the input, and an unkeyed digest of a
    # short text is a way back to it for anyone else who sees the answer
    out = [{"text": r.text, "findings": [f.to_dict() for f in r.findings],
            "whole_document_redacted": r.whole_document_redacted} for r in results]
    return JSONResponse({"policy": _policy(svc), "results": out}, headers={"x-request-id": rid})


async def analyze_endpoint(request: Request) -> JSONResponse:
    svc: ServiceState = request.app.state.service
    body = validate(AnalyzeRequest, await read_json(request, svc.config.limits.max_body_bytes))
    results = await svc.analyze(body.all_texts())
    return JSONResponse({"policy": _policy(svc), "results": [r.to_dict() for r in results]})
