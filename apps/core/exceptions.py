"""Domain errors and the one DRF exception handler that shapes every API error.

Every error body is ``{"errors": {field: [messages]}, "code": ...}``: a flat object of field
names to lists of strings. Validation errors keep their field names; an error inside a field
(a list position, a nested object) is a message prefixed with its dotted path below the field
(``"0: ..."``, ``"1.reps: ..."``), see ``flatten_errors``; everything else reports under
``non_field_errors``. The answers Django
gives outside DRF (unknown paths, 500s, bodies too large) take the same shape in
``apps.core.api_errors``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

NON_FIELD = "non_field_errors"

#: Field errors as a read-only view: the messages may be lazy translations (``gettext_lazy``),
#: rendered in the request's language when the answer is serialized.
type FieldErrors = Mapping[str, Sequence[StrOrPromise]]

# The code of an error answer by status, when the exception names none.
CODES_BY_STATUS = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}


class DomainError(Exception):
    """A business rule said no. Raised by services; the handler turns it into a response."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(
        self,
        message: StrOrPromise,
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


def flatten_errors(detail: object) -> dict[str, list[str]]:
    """Serializer errors as the flat shape ``{field: ["message", ...]}``.

    Keys are the top-level fields (as the client sent them); an error inside a field - a list
    position, a nested object - is one message prefixed with its path below the field, dotted:
    ``{"channels": {0: ["Not a valid choice."]}}`` -> ``{"channels": ["0: Not a valid
    choice."]}``, a plan's second item -> ``{"items": ["1.reps: Give reps ..."]}``. Messages at
    the top level (a list, not an object) go under ``non_field_errors``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, Mapping):
        for field, value in detail.items():
            _walk_errors(value, str(field), "", flat)
    else:
        _walk_errors(detail, NON_FIELD, "", flat)
    return flat


def _below(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def _walk_errors(value: Any, field: str, path: str, flat: dict[str, list[str]]) -> None:
    """Add the messages in ``value`` (found at ``path`` below ``field``) to ``flat``."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            _walk_errors(item, field, _below(path, key), flat)
    elif isinstance(value, list | tuple):
        if all(not isinstance(item, Mapping | list | tuple) for item in value):
            for item in value:
                _walk_errors(item, field, path, flat)
        else:  # per position (many=True); an empty entry was a valid item
            for position, item in enumerate(value):
                if item:
                    _walk_errors(item, field, _below(path, position), flat)
    else:
        flat.setdefault(field, []).append(f"{path}: {value}" if path else str(value))


def error_body(message: str, *, code: str, field: str = NON_FIELD) -> dict[str, Any]:
    return {"errors": {field: [message]}, "code": code}


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
        response.data = {"errors": flatten_errors(exc.detail), "code": "invalid"}
    else:
        detail = getattr(exc, "detail", str(exc))
        code = (
            getattr(detail, "code", None)
            or getattr(exc, "default_code", None)
            or CODES_BY_STATUS.get(response.status_code, "error")
        )
        response.data = error_body(str(detail), code=code)
    return response
