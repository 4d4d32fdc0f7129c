"""Withdrawn consent stops new data collection: the consent gate.

``ConsentGateMiddleware`` refuses every write to the API (POST, PUT, PATCH) that would collect
data about a patient whose consent is withdrawn, with 403 and code ``consent_withdrawn``:
writes by the patient themself (check-ins, sync, exercise sessions, episodes, devices, …) and
staff writes to a route naming the patient (``patients/{patient_id}/…``). It lives in one
place so that a new endpoint is covered without doing anything; services can also ask
``require_data_collection_allowed`` themselves for writes that do not come through the API.

What stays open: signing in and out, the consent endpoint itself (to give it again), the
profile (``PATCH me/``), reminder settings (to switch them off), deleting things (DELETE is
never collection), reading and exporting, and for staff the erasure and enrolment-code routes.

A refused check-in still carries the advice its values meet (API.md: safety advice never
depends on consent to store data). The gate stays the one place that refuses; a view class
may say what its refusal carries with a ``consent_refusal_extra(request, user, view_kwargs)``
classmethod (apps.intake's check-in POST, PATCH and `sync/` do: they validate the body and
compute the advice, storing nothing). A fault there never turns the refusal into an error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions

from apps.consent.models import ConsentAcceptance
from apps.consent.selectors import WITHDRAWN_MESSAGE, consent_withdrawn
from apps.core.exceptions import NON_FIELD, NotAllowed

logger = logging.getLogger(__name__)

CONSENT_WITHDRAWN = "consent_withdrawn"
_WRITE_METHODS = {"POST", "PUT", "PATCH"}
EXEMPT_URL_NAMES = frozenset(
    {
        "auth-token",
        "auth-logout",
        "auth-enrol",
        "auth-logout-all",
        "auth-password-change",
        "auth-password-reset",
        "auth-password-reset-confirm",
        "me",
        "me-consent",
        "my-reminders",
        "patient-erase",
        "patient-enrolment-code",
    }
)


def require_data_collection_allowed(patient) -> None:
    """Raise ``NotAllowed`` (403, code ``consent_withdrawn``) if ``patient`` withdrew consent."""
    if consent_withdrawn(patient):
        raise NotAllowed(WITHDRAWN_MESSAGE, code=CONSENT_WITHDRAWN)


#: The latest consent's ``withdrawn_at``, read with the device token (apps.accounts
#: ``register_token_annotation``, registered in ConsentConfig.ready): one query less per write.
LATEST_WITHDRAWN_AT = "consent_latest_withdrawn_at"


def latest_withdrawn_at_of_token_user() -> Subquery:
    """The ``withdrawn_at`` of the token user's latest consent acceptance (NULL: none, or
    not withdrawn), as a subquery of the device-token lookup."""
    return Subquery(
        ConsentAcceptance.objects.filter(patient__user_id=OuterRef("user_id"))
        .order_by("-created_at", "-id")
        .values("withdrawn_at")[:1]
    )


def _withdrawn_for_user(user) -> bool:
    values = getattr(user, "token_values", None)
    if values is not None and LATEST_WITHDRAWN_AT in values:
        return values[LATEST_WITHDRAWN_AT] is not None
    latest_withdrawn_at = (
        ConsentAcceptance.objects.filter(patient__user_id=user.pk)
        .order_by("-created_at", "-id")
        .values_list("withdrawn_at", flat=True)
        .first()
    )
    return latest_withdrawn_at is not None


def _api_user(request: HttpRequest):
    """The caller: the session user, or the owner of the device token (authenticated here
    because DRF authenticates only inside the view)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user
    # DRF's test client (APIClient.force_authenticate) hands the user over this way.
    forced = getattr(request, "_force_auth_user", None)
    if forced is not None:
        return forced
    from apps.accounts.authentication import AUTHENTICATED_HERE, DeviceTokenAuthentication

    try:
        result = DeviceTokenAuthentication().authenticate(request)
    except exceptions.APIException:
        return None  # a bad token: the view answers 401 itself
    if result:
        # The view's own authentication reuses this (one token lookup per request).
        setattr(request, AUTHENTICATED_HERE, result)
    return result[0] if result else None


def _refusal(extra: dict[str, Any] | None = None) -> JsonResponse:
    body = {"errors": {NON_FIELD: [WITHDRAWN_MESSAGE]}, "code": CONSENT_WITHDRAWN}
    return JsonResponse({**(extra or {}), **body}, status=403)


def _what_the_refusal_carries(view_func, request: HttpRequest, user, view_kwargs) -> dict:
    """The view's own additions to its refusal (e.g. a check-in's advice); {} if none."""
    hook = getattr(getattr(view_func, "view_class", None), "consent_refusal_extra", None)
    if hook is None:
        return {}
    try:
        return hook(request, user, dict(view_kwargs)) or {}
    except Exception:
        # Still refuse (nothing is stored either way); say which view failed, nothing else.
        match = getattr(request, "resolver_match", None)
        logger.exception(
            "consent refusal: the additions of view %s failed", getattr(match, "url_name", None)
        )
        return {}


class ConsentGateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if request.method not in _WRITE_METHODS or not request.path.startswith("/api/"):
            return None
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name in EXEMPT_URL_NAMES:
            return None
        user = _api_user(request)
        if user is None:
            return None  # the view answers 401
        patient_id = view_kwargs.get("patient_id")
        if patient_id is not None:
            # A staff write naming the patient. Only for callers who may see the patient:
            # anyone else must get the view's 404, not learn about the patient's consent.
            from apps.accounts.selectors import patients_visible_to

            if not patients_visible_to(user).filter(pk=patient_id).exists():
                return None
            return _refusal() if consent_withdrawn(patient_id) else None
        if getattr(user, "role", None) != "patient":
            return None
        if not _withdrawn_for_user(user):
            return None
        return _refusal(_what_the_refusal_carries(view_func, request, user, view_kwargs))
