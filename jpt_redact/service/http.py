"""JSON in, JSON errors out: the one place a request body is read and an error is rendered.

Fail closed and never echo: every refusal is a status plus a JSON error whose message names
fields, indices and limits, never a value from the request (a body may be all PII).
Presidio's routes answer Presidio's shape `{"error": "..."}`; all others answer the OpenAI
shape `{"error": {"message", "type", "code"}}`, which OpenAI clients parse.
"""
from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import DetectionError, InputError, JPTRedactError, ModelError, OperatorError, PolicyError

log = logging.getLogger("jpt_redact.service")

PRESIDIO_PATHS = frozenset({"/analyze", "/recognizers", "/supportedentities", "/anonymize", "/deanonymize",
                            "/anonymizers", "/deanonymizers"})


class HTTPError(Exception):
    """A refusal: status, a PII-free message, and a short machine-readable type."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request", headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.headers = status, message, kind, headers or {}


def error_response(request: Request | None, status: int, message: str, kind: str, headers: dict | None = None) -> JSONResponse:
    path = _route_path(request) if request is not None else ""
    if path in PRESIDIO_PATHS:
        body: dict[str, Any] = {"error": message}
    else:
        body = {"error": {"message": message, "type": kind, "code": status}}
    return JSONResponse(body, status_code=status, headers=headers)


def _route_path(request: Request) -> str:
    return route_path(request.scope)


def route_path(scope: Any) -> str:
    """The path below the app's mount point: `scope["path"]` keeps the mount prefix
    (`/llm/v1/chat/completions` under `Mount("/llm", app)`) and `root_path` holds it."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    if root and path.startswith(root) and (len(path) == len(root) or path[len(root)] == "/"):
        return path[len(root):] or "/"
    return path


def from_library_error(exc: BaseException) -> HTTPError:
    """A library error as a refusal. JPTRedactError messages are PII-free by contract."""
    if isinstance(exc, HTTPError):
        return exc
    if isinstance(exc, InputError):
        return HTTPError(400, str(exc), "invalid_input")
    if isinstance(exc, OperatorError):
        return HTTPError(422, str(exc), "operator_error")
    if isinstance(exc, PolicyError):
        return HTTPError(422, str(exc), "policy_error")
    if isinstance(exc, (DetectionError, ModelError)):
        return HTTPError(503, f"redaction failed ({type(exc).__name__}); nothing was returned or forwarded",
                         "redaction_failed")
    if isinstance(exc, JPTRedactError):
        return HTTPError(500, f"redaction failed ({type(exc).__name__})", "redaction_failed")
    return HTTPError(500, f"internal error ({type(exc).__name__})", "internal_error")


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused with 413 as soon as it passes `max_bytes` (chunked bodies too)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > max_bytes:
                raise HTTPError(413, f"request body over {max_bytes} bytes", "body_too_large")
        except ValueError:
            raise HTTPError(400, "invalid content-length header") from None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise HTTPError(413, f"request body over {max_bytes} bytes", "body_too_large")
        chunks.append(chunk)
    return b"".join(chunks)


def require_json_content_type(request: Request) -> None:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        raise HTTPError(415, "the body must be application/json", "unsupported_media_type")


def parse_json(body: bytes, **hooks: Any) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPError(400, f"request body is not UTF-8 (byte offset {exc.start})", "invalid_json") from None
    try:
        return json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        raise HTTPError(400, f"request body is not valid JSON (line {exc.lineno}, column {exc.colno})",
                        "invalid_json") from None
    except ValueError:  # NaN / Infinity, refused by the parse hooks
        raise HTTPError(400, "request body is not valid JSON (NaN and Infinity are not JSON)", "invalid_json") from None
    except RecursionError:
        raise HTTPError(400, "request body is nested too deeply", "invalid_json") from None


async def read_json(request: Request, max_bytes: int, **hooks: Any) -> Any:
    require_json_content_type(request)
    return parse_json(await read_body(request, max_bytes), **hooks)


def validate(model: type[BaseModel], data: Any) -> Any:
    """`model.model_validate(data)`, refused with 400 naming the field (never its value).

    Path parts that are not declared field names (dict keys chosen by the caller, such as an
    entity name or an unknown field) are shown as `*`, since they are input too."""
    if not isinstance(data, dict):
        raise HTTPError(400, "the body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        known = _field_names(model)
        loc = ".".join(str(p) if isinstance(p, int) or p in known else "*" for p in err["loc"]) or "body"
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
        more = len(exc.errors()) - 1
        raise HTTPError(400, f"{loc}: {msg}" + (f" (and {more} more)" if more else "")) from None


def _field_names(model: type[BaseModel], seen: set | None = None) -> set[str]:
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    names: set[str] = set()
    for name, field in model.model_fields.items():
        names.add(name)
        for sub in _models_in(field.annotation):
            names |= _field_names(sub, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    from typing import get_args

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in get_args(annotation) for m in _models_in(a)]
