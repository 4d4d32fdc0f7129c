"""The one mechanism that writes the access log: no view can forget it.

For every request under /api/, /dashboard/ and /admin/ this middleware opens a request-scoped
recording (``apps.core.access_recorder``). Patient ids reach it from four places, so that a view
written tomorrow is covered without doing anything:

1. the access selectors (``patients_for_clinician``, ``patients_visible_to``,
   ``access_patient``) return querysets that record every patient row they hand out;
2. a ``patient_id`` in the URL (every patient-scoped route has one), denied attempts included;
3. ``patient`` / ``patient_id`` values in a DRF response body (lists of check-ins, flags, ...
   that filter with the selectors as a subquery and so fetch no Patient row);
4. admin pages: the object of a change/delete/history page and the rows of a list page, for
   every model with a foreign-key path to Patient.

At the end of the request, if the user is staff (physiotherapist, clinic admin, superuser or
admin-site staff), it writes one row per patient touched, in one INSERT. Patients' own requests
are not logged: the log is about who else looked at a record.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse

from apps.audit.models import AccessAction
from apps.audit.patient_data import patient_lookup_for
from apps.audit.writes import access_entries_insert
from apps.core import access_recorder as recorder
from apps.core.throttling import client_ip

logger = logging.getLogger(__name__)

AUDITED_PREFIXES = ("/api/", "/dashboard/", "/admin/")
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_PATIENT_KEYS = {"patient", "patient_id"}
_MAX_DEPTH = 4


def _is_staff(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(
        user.is_superuser
        or user.is_staff
        or getattr(user, "role", None) in {"physiotherapist", "clinic_admin"}
    )


def _patient_ids_in(data, depth: int = 0) -> Iterable[str]:
    """``patient`` / ``patient_id`` values anywhere in a serialized body (a few levels deep)."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(data, dict):
        for key, value in data.items():
            if key in _PATIENT_KEYS and isinstance(value, str | uuid.UUID):
                yield str(value)
            elif key in _PATIENT_KEYS and isinstance(value, dict) and "id" in value:
                yield str(value["id"])
            elif isinstance(value, dict | list):
                yield from _patient_ids_in(value, depth + 1)
    elif isinstance(data, list):
        for item in data:
            yield from _patient_ids_in(item, depth + 1)


def _admin_patient_ids(request: HttpRequest, response: HttpResponse) -> tuple[bool, list]:
    """(is a patient-data admin page, patient ids it showed or changed)."""
    match = getattr(request, "resolver_match", None)
    model_admin = getattr(getattr(match, "func", None), "model_admin", None)
    if match is None or model_admin is None:
        return False, []
    model = model_admin.model
    lookup = patient_lookup_for(model)
    if lookup is None:
        return False, []
    manager = model._default_manager
    object_id = match.kwargs.get("object_id")
    if object_id is not None:
        try:
            ids = list(manager.filter(pk=object_id).values_list(lookup, flat=True))
        except Exception:  # a malformed id in the URL: the admin answers 404 itself
            ids = []
        return True, ids
    changelist = (getattr(response, "context_data", None) or {}).get("cl")
    if changelist is not None:
        keys = [row.pk for row in changelist.result_list]
        return True, list(manager.filter(pk__in=keys).values_list(lookup, flat=True))
    return True, []


def _view_name(request: HttpRequest) -> tuple[str, str]:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "", ""
    return (match.view_name or "")[:200], (match.route or "")[:300]


class AccessLogMiddleware:
    """Writes the access log for staff requests to patient data (see the module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(AUDITED_PREFIXES):
            return self.get_response(request)
        token = recorder.start()
        try:
            try:
                response = self.get_response(request)
            except Exception:
                # Unhandled errors still leave a trace of the attempt.
                self._write(request, None, status=500)
                raise
            self._write(request, response, status=response.status_code)
            return response
        finally:
            recorder.finish(token)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> None:
        # Denied attempts count too: the URL names the patient even when the view says 404.
        recording = recorder.current()
        if recording is not None and "patient_id" in view_kwargs:
            recording.add(view_kwargs["patient_id"])

    def _write(self, request: HttpRequest, response: HttpResponse | None, *, status: int) -> None:
        user = getattr(request, "user", None)
        recording = recorder.current()
        if recording is None or user is None or not _is_staff(user):
            return
        patient_ids: list = list(recording.patient_ids)
        is_admin_data_page = False
        if response is not None:
            data = getattr(response, "data", None)
            if data is not None:
                patient_ids.extend(_patient_ids_in(data))
            if request.path.startswith("/admin/"):
                is_admin_data_page, admin_ids = _admin_patient_ids(request, response)
                patient_ids.extend(admin_ids)
        unique_ids: dict[uuid.UUID, None] = {}
        for value in patient_ids:
            scratch = recorder.Recording()
            scratch.add(value)
            unique_ids.update(scratch.patient_ids)
        targets: list[uuid.UUID | None] = list(unique_ids)
        if not targets and is_admin_data_page:
            targets = [None]  # an (empty or unresolvable) admin page of patient data
        if not targets:
            return
        action = recording.action or (
            AccessAction.READ if request.method in _SAFE_METHODS else AccessAction.WRITE
        )
        view_name, route = _view_name(request)
        request_id = uuid.uuid4()
        common = {
            "request_id": request_id,
            "actor_id": user.pk,
            "actor_name": (getattr(user, "full_name", "") or user.email)[:300],
            "actor_role": "superuser" if user.is_superuser else (user.role or "staff"),
            "actor_is_superuser": user.is_superuser,
            "action": action,
            "method": (request.method or "")[:10],
            "view_name": view_name,
            "route": route,
            "source_ip": client_ip(request),
            "outcome": status,
            "detail": recording.detail,
        }
        access_entries_insert(targets, common)
