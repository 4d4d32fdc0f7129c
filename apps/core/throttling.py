"""Who is knocking, and the throttle on every write to the API, whatever the view: one
mechanism, nothing to forget.

The address (``client_ip``): with ``TOH_TRUSTED_PROXY_COUNT`` = 0 (the default) it is
``REMOTE_ADDR`` and ``X-Forwarded-For`` is ignored (anyone can write that header). Behind N
trusted proxies that each append the address they saw, it is the N-th address from the right
of ``X-Forwarded-For`` — the one the outermost trusted proxy recorded; anything further left
was written by the client. DRF's own ``NUM_PROXIES`` (set from the same variable) picks the
same address, so every throttle, the sign-in lockout and the access log agree. The sign-in
throttles are in ``apps.accounts.throttles``.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _valid_address(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's address as the trusted proxies saw it (see the module docstring).

    An ``X-Forwarded-For`` shorter than the proxy count (a request that skipped a proxy)
    gives its leftmost entry, as DRF does; an entry that is not an IP address falls back to
    ``REMOTE_ADDR`` (it is stored in ``inet`` columns by django-axes)."""
    remote = _valid_address(request.META.get("REMOTE_ADDR"))
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if count <= 0 or not forwarded:
        return remote
    addresses = [part for part in forwarded.split(",") if part.strip()]
    if not addresses:
        return remote
    return _valid_address(addresses[-min(count, len(addresses))]) or remote


class WriteRateThrottle(SimpleRateThrottle):
    """``THROTTLE_WRITE_RATE`` (scope ``writes``) per user for POST/PUT/PATCH/DELETE; reads
    are not throttled. The default throttle class of every API view (``REST_FRAMEWORK``), so
    a view written tomorrow is covered. Counts live in the cache (Redis in production), so all
    web workers share them. Sign-in and enrolment have their own stricter ``auth`` scope."""

    scope = "writes"

    def allow_request(self, request, view) -> bool:
        if request.method in _SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = user.pk if user is not None and user.is_authenticated else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
