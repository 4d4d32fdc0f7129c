"""What every page of the web dashboard shares: staff-only access, the page size, and the
header's live flag counts (re-sent out of band after every flag action, so they never go
stale)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails

from apps.accounts.permissions import signed_in_user
from apps.dashboard.flag_queue import live_flag_counts

PAGE_SIZE = 50
LOGIN_URL = "dashboard:login"

View = Callable[..., HttpResponse]


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware (for the type checker: ``request.htmx``)."""

    htmx: HtmxDetails


def clinician_required(view: View) -> View:
    """Staff only: anonymous visitors go to the login page, anyone else gets 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(LOGIN_URL))
        if not user.is_clinician:
            raise PermissionDenied("The dashboard is for clinic staff.")
        return view(request, *args, **kwargs)

    return wrapper


def render_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A dashboard page (or fragment) with the header's flag counts."""
    counts = live_flag_counts(signed_in_user(request))
    return render(request, template, {**context, "header_counts": counts}, status=status)


def safe_next(request: HttpRequest, candidate: str | None, default: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default
