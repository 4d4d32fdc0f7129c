"""django-axes glue: which account a login attempt is for, and the API-shaped lockout answer.

The token login (``POST auth/token/``) authenticates with ``email=``; the admin's login form
with ``username=``. Both name the same account, so both count towards one lockout of that
e-mail address from that IP address (settings: ``AXES_LOCKOUT_PARAMETERS``).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from apps.accounts.throttles import too_many_page
from apps.core.exceptions import NON_FIELD

LOCKED_OUT = "locked_out"


def login_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The e-mail address an attempt is for, lower-cased like the accounts themselves."""
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username")
    if value is None and request is not None and hasattr(request, "POST"):
        value = request.POST.get("email") or request.POST.get("username")
    return value.strip().lower() if isinstance(value, str) else None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """429 with ``Retry-After``: in the API's error shape under ``/api/``, a plain HTML page
    for the dashboard's and the admin's login forms."""
    cool_off = settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds()) if cool_off else 3600
    if request is not None and not request.path.startswith("/api/"):
        return too_many_page(
            "Too many failed sign-ins for this account from this address. Try again in "
            f"{max(1, seconds // 60)} minutes or reset your password.",
            seconds,
        )
    response = JsonResponse(
        {
            "errors": {
                NON_FIELD: [
                    "Too many failed sign-ins for this account from this address. Try again "
                    f"in {max(1, seconds // 60)} minutes or reset your password."
                ]
            },
            "code": LOCKED_OUT,
        },
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response
