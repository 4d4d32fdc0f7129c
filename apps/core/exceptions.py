"""Domain errors and the one DRF exception handler that shapes every API error.

Every error body is ``{"errors": {field: [messages]}, "code": ...}``; validation errors keep
their field names, everything else reports under ``non_field_errors``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

NON_FIELD = "non_field_errors"


class DomainError(Exception):
    """A business rule said no. Raised by services; the handler turns it into a response."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str = NON_FIELD,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}
        if code:
            self.code = code


class ValidationFailed(DomainError):
    """Input that a service refused, reported against a field."""


class Conflict(DomainError):
    """The write clashes with what is stored (409); ``extra`` carries e.g. the existing id."""

    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class NotAllowed(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


def _as_lists(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _as_lists(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [str(item) for item in detail]
        return [_as_lists(item) for item in detail]
    return [str(detail)]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        body = {"errors": {exc.field: [exc.message]}, "code": exc.code, **exc.extra}
        return Response(body, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {NON_FIELD: exc.detail}
        response.data = {"errors": _as_lists(detail), "code": "invalid"}
    else:
        detail = getattr(exc, "detail", str(exc))
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = {"errors": {NON_FIELD: [str(detail)]}, "code": code}
    return response
