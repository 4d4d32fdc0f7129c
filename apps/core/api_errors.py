"""Every answer under ``/api/`` in the one error shape, including those Django gives outside DRF.

- ``handler400/403/404/500`` (wired in backend/urls.py): JSON in the error shape for API paths,
  Django's own pages elsewhere. A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Django's
  ``RequestDataTooBig``) answers 413.
- ``ApiErrorMiddleware``: an exception escaping an API view answers a JSON 500 with no detail;
  the traceback is logged with the route pattern (no ids, no query string) and without the
  exception's message, which can carry submitted values. Any other error answer under ``/api/``
  that is not JSON (e.g. Django's debug 404 page, a CSRF failure) is rewritten in the shape,
  keeping its status and headers (``Allow``, ``Retry-After``).
"""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Callable
from http import HTTPStatus

from django.core import signals
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import resolve
from django.urls.exceptions import Resolver404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

from apps.core.exceptions import CODES_BY_STATUS, error_body
from apps.core.parsers import max_bytes, too_large_detail

logger = logging.getLogger("apps.core.api_errors")

API_PREFIX = "/api/"

MESSAGES = {
    400: gettext_lazy("The request could not be understood."),
    401: gettext_lazy("Authentication credentials were not provided."),
    403: gettext_lazy("You do not have permission to perform this action."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("Method not allowed."),
    413: gettext_lazy("The request body is too large."),
    415: gettext_lazy("Unsupported media type."),
    429: gettext_lazy("Request was throttled."),
    500: gettext_lazy("A server error occurred."),
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _message(status: int) -> str:
    if status in MESSAGES:
        return str(MESSAGES[status])
    try:
        return f"{HTTPStatus(status).phrase}."
    except ValueError:
        return _("Error.")


def json_error(status: int, message: str | None = None, code: str | None = None) -> JsonResponse:
    code = code or CODES_BY_STATUS.get(status, "error")
    body = error_body(message or _message(status), code=code)
    return JsonResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(413, too_large_detail(max_bytes()))
    return json_error(400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api(request):
        return defaults.permission_denied(request, exception)
    return json_error(403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if not is_api(request):
        return defaults.page_not_found(request, exception)
    return json_error(404)


def server_error(request: HttpRequest) -> HttpResponse:
    if not is_api(request):
        return defaults.server_error(request)
    return json_error(500)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return "(unresolved)"
    return f"/{match.route}" if match.route else match.view_name or "(unknown)"


def log_unhandled(request: HttpRequest, exc: BaseException) -> None:
    """The traceback (frames only) and the route pattern: no ids, no values, no query."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error(
        "Unhandled %s in %s %s\n%s", type(exc).__name__, request.method, _route(request), frames
    )


# Exceptions Django turns into their own 4xx answers (through the handlers above).
_DJANGO_HANDLED = (Http404, PermissionDenied, SuspiciousOperation, BadRequest)


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400 and not _is_json(response):
            _rewrite(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> JsonResponse | None:
        if not is_api(request):
            return None
        if isinstance(exception, RequestDataTooBig):  # read by DRF: request.body is bounded
            return json_error(413, too_large_detail(max_bytes()))
        if isinstance(exception, _DJANGO_HANDLED):
            return None
        log_unhandled(request, exception)
        # The test client re-raises what this signal reports, as it would without us.
        signals.got_request_exception.send(sender=self.__class__, request=request)
        response = json_error(500)
        # Django's request log would add the raw path. Its own mark (django.utils.log
        # .log_response), which the stubs do not declare: hence setattr.
        setattr(response, "_has_been_logged", True)  # noqa: B010
        return response


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


def _rewrite(response: HttpResponse) -> None:
    if getattr(response, "streaming", False):
        return
    status = response.status_code
    response.content = json.dumps(
        error_body(_message(status), code=CODES_BY_STATUS.get(status, "error"))
    ).encode()
    response["Content-Type"] = "application/json"
    # CommonMiddleware (inside this one) may have set the length of the page this replaces.
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(response.content))
