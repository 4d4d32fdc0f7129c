"""The error answers of every operation in the OpenAPI schema (a drf-spectacular hook).

Every operation documents 400, 401, 403, 404, 406 and 429 (with ``Retry-After``); an operation
that takes a body also 413 and 415; a write (POST, PUT, PATCH, DELETE) also 409. Each body is
the one error shape (``ErrorResponse``); a 409 is a ``ConflictResponse``, which may carry the
id of what holds the place (``id``) or when the write could succeed (``earliest_starts_on``).
A description a view gives to one of these statuses is kept; only the body is added.
"""

from __future__ import annotations

from typing import Any

ERROR_COMPONENT = "ErrorResponse"
CONFLICT_COMPONENT = "ConflictResponse"

DESCRIPTIONS = {
    "400": "Invalid input: messages per field (query parameters under their own names), or "
    "under `non_field_errors`. Nothing was stored.",
    "401": "Not signed in, or the token is not valid.",
    "403": "Signed in but not allowed to do this.",
    "404": "No such object (or not yours to see), or no such page.",
    "406": "The `Accept` header asks for a format this operation cannot answer.",
    "409": "The write clashes with what is stored; nothing was changed.",
    "413": "The request body is too large.",
    "415": "The request body is not JSON (`Content-Type: application/json`).",
    "429": "Too many requests: wait the seconds in `Retry-After`.",
}
ALWAYS = ("400", "401", "403", "404", "406", "429")
WITH_BODY = ("413", "415")
WRITES = {"post", "put", "patch", "delete"}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "The one error shape of the API: messages per top-level field; an error "
    "inside a field starts with its dotted path below it (`items`: [`1.exercise: ...`]).",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"non_field_errors": ["Not found."]},
        },
        "code": {"type": "string", "description": "Machine-readable reason, e.g. `invalid`."},
    },
    "required": ["errors", "code"],
}
CONFLICT_SCHEMA: dict[str, Any] = {
    "allOf": [
        {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"},
        {
            "type": "object",
            "properties": {
                "id": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The stored object that holds the place (e.g. the check-in "
                    "of that date, the active episode).",
                },
                "earliest_starts_on": {
                    "type": "string",
                    "format": "date",
                    "description": "A plan: the first day it can start.",
                },
            },
        },
    ]
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def _content(component: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}


def error_statuses(method: str, operation: dict[str, Any]) -> list[str]:
    statuses = list(ALWAYS)
    if "requestBody" in operation:
        statuses += WITH_BODY
    if method in WRITES or "409" in operation.get("responses", {}):
        statuses.append("409")
    return statuses


def add_error_responses(result, generator, request, public):
    """POSTPROCESSING_HOOKS entry: document every operation's error answers."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas[ERROR_COMPONENT] = ERROR_SCHEMA
    schemas[CONFLICT_COMPONENT] = CONFLICT_SCHEMA
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status in error_statuses(method, operation):
                response = responses.setdefault(status, {})
                if not response.get("description"):
                    response["description"] = DESCRIPTIONS[status]
                component = CONFLICT_COMPONENT if status == "409" else ERROR_COMPONENT
                # A view that documents its own error body (e.g. a refused check-in that still
                # carries its advice) keeps it; every other one gets the one error shape.
                if not response.get("content"):
                    response["content"] = _content(component)
                if status == "429":
                    response["headers"] = RETRY_AFTER
    return result
