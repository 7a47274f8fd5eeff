"""The OpenAPI 3.1 document, generated from the same endpoint table the app's routes are built
from (app.ENDPOINTS), with request bodies from the pydantic models: it cannot list a route
that is not served or miss one that is (tests/test_service_openapi.py checks both ways).
"""
from __future__ import annotations

from typing import Any

from ..version import __version__

ERROR = {"type": "object", "description": "OpenAI-style error; Presidio routes answer {\"error\": \"message\"}.",
         "properties": {"error": {"oneOf": [
             {"type": "string"},
             {"type": "object", "properties": {"message": {"type": "string"}, "type": {"type": "string"},
                                               "code": {"type": "integer"}}}]}}}
SPAN = {"type": "object", "properties": {
    "start": {"type": "integer"}, "end": {"type": "integer"}, "label": {"type": "string"},
    "score": {"type": "number"}, "recognizer": {"type": "string"}, "explanation": {"type": "string"}}}
FINDING = {"allOf": [SPAN, {"type": "object", "properties": {
    "action": {"type": "string"}, "value_hash": {"type": "string"}}}]}
POLICY = {"type": "object", "properties": {"name": {"type": "string"}, "version": {"type": "string"}}}
RECOGNIZER_RESULT = {"type": "object", "properties": {
    "entity_type": {"type": "string"}, "start": {"type": "integer"}, "end": {"type": "integer"},
    "score": {"type": "number"}, "analysis_explanation": {"type": ["object", "null"]}}}
OPERATOR_RESULT = {"type": "object", "properties": {
    "start": {"type": "integer"}, "end": {"type": "integer"}, "entity_type": {"type": "string"},
    "text": {"type": "string"}, "operator": {"type": "string"}}}
TEXT_ITEMS = {"type": "object", "properties": {"text": {"type": "string"},
                                                "items": {"type": "array", "items": OPERATOR_RESULT}}}
STRINGS = {"type": "array", "items": {"type": "string"}}
RESPONSES: dict[str, Any] = {
    "analyze": {"oneOf": [{"type": "array", "items": RECOGNIZER_RESULT},
                          {"type": "array", "items": {"type": "array", "items": RECOGNIZER_RESULT}}]},
    "strings": STRINGS,
    "text_items": TEXT_ITEMS,
    "health": {"type": "object", "properties": {"status": {"type": "string"}, "policy": POLICY}},
    "redact": {"type": "object", "properties": {"policy": POLICY, "results": {"type": "array", "items": {
        "type": "object", "properties": {"text": {"type": "string"}, "findings": {"type": "array", "items": FINDING},
                                         "whole_document_redacted": {"type": "boolean"}}}}}},
    "analyze_native": {"type": "object", "properties": {"policy": POLICY, "results": {"type": "array", "items": {
        "type": "object", "properties": {"text_length": {"type": "integer"},
                                         "spans": {"type": "array", "items": SPAN}}}}}},
    "proxy": {"type": "object", "description": "The upstream's answer, redacted (text/event-stream when streamed)."},
    "metrics": {"type": "string", "description": "Prometheus text format."},
    "openapi": {"type": "object"},
}
PROXY_BODY = {"type": "object", "description": "An OpenAI request. Every string, object key and number in it is "
                                              "redacted before it is forwarded."}
LANGUAGE = [{"name": "language", "in": "query", "required": False, "schema": {"type": "string"}}]


def build_openapi(endpoints: list[Any]) -> dict:
    components: dict[str, Any] = {"Error": ERROR}
    paths: dict[str, dict] = {}
    for ep in endpoints:
        op: dict[str, Any] = {"summary": ep.summary, "tags": [ep.tag], "operationId": ep.name}
        if ep.request_model is not None:
            schema = ep.request_model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components[ep.request_model.__name__] = schema
            op["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{ep.request_model.__name__}"}}}}
        elif ep.tag == "Proxy":
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": PROXY_BODY}}}
        if ep.query_language:
            op["parameters"] = LANGUAGE
        media = "text/plain" if ep.response == "metrics" else "application/json"
        op["responses"] = {
            "200": {"description": "OK", "content": {media: {"schema": RESPONSES[ep.response]}}},
            "4XX": {"description": "Refused (never echoes the request)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
            "5XX": {"description": "Failed closed: nothing returned or forwarded",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        }
        paths.setdefault(ep.path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "jpt-redact service", "version": __version__,
                 "description": "Presidio-compatible analyzer and anonymizer, native redaction API and a "
                                "redacting OpenAI-compatible proxy over one jpt-redact policy."},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }
