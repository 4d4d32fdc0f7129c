"""The one sign-in throttle, per client address (``apps.core.throttling.client_ip``).

Every sign-in path — the API's ``auth/token/``, ``auth/enrol/``, the password reset, the
dashboard's and the admin's login forms — counts against one budget per client address
(``THROTTLE_AUTH_RATE``, scope ``auth``); django-axes locks an account per address on top
(``apps.accounts.lockout``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils.html import escape
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from apps.core.throttling import client_ip

AUTH_SCOPE = "auth"
RESET_EMAIL_SCOPE = "password_reset_email"


class LoginRateThrottle(ScopedRateThrottle):
    """``THROTTLE_AUTH_RATE`` per client address, shared by every sign-in path.

    A ``ScopedRateThrottle`` with its scope fixed (so it reads the same rates, and tests that
    tighten ``ScopedRateThrottle.THROTTLE_RATES`` tighten it too); it also works on a plain
    Django ``HttpRequest``, for the HTML login forms (``throttle_login_form``)."""

    scope = AUTH_SCOPE

    def __init__(self) -> None:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def allow_request(self, request, view) -> bool:
        return SimpleRateThrottle.allow_request(self, request, view)

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ResetEmailThrottle(LoginRateThrottle):
    """``THROTTLE_PASSWORD_RESET_EMAIL_RATE`` reset e-mails per address asked for, whatever
    the client: nobody can fill a mailbox. The key is a hash of the lower-cased address, for
    accounts and unknown addresses alike (the answer is the same; only mail stops)."""

    scope = RESET_EMAIL_SCOPE

    def __init__(self, email: str) -> None:
        self.email = email.strip().lower()
        super().__init__()

    def get_ident(self, request) -> str:
        return hashlib.sha256(self.email.encode()).hexdigest()


_TOO_MANY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Too many attempts</title></head>
<body><main><h1>Too many sign-in attempts</h1>
<p>{message}</p></main></body></html>
"""


def too_many_page(message: str, retry_after: int) -> HttpResponse:
    """The HTML forms' 429: a plain page with ``Retry-After``."""
    response = HttpResponse(
        _TOO_MANY_PAGE.format(message=escape(message)),
        status=429,
        content_type="text/html; charset=utf-8",
    )
    response["Retry-After"] = str(max(1, retry_after))
    return response


def throttle_login_form(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Count each POST of an HTML login form (dashboard, admin) against the sign-in budget of
    the client's address; beyond it, a 429 page before the form even checks the password."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        if request.method == "POST":
            throttle = LoginRateThrottle()
            if not throttle.allow_request(request, None):
                seconds = int(throttle.wait() or 60)
                return too_many_page(
                    f"Too many sign-in attempts from this address. Try again in {seconds} seconds.",
                    seconds,
                )
        return view(request, *args, **kwargs)

    return wrapped
