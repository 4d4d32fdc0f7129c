"""Throttle on every write to the API, whatever the view: one mechanism, nothing to forget."""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.throttles import client_ip

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class WriteRateThrottle(SimpleRateThrottle):
    """``THROTTLE_WRITE_RATE`` (scope ``writes``) per user for POST/PUT/PATCH/DELETE; reads
    are not throttled. Counts live in the cache (Redis in production), so all web workers
    share them. Sign-in and enrolment have their own stricter ``auth`` scope."""

    scope = "writes"

    def allow_request(self, request, view) -> bool:
        if request.method in _SAFE_METHODS:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        user = request.user
        ident = user.pk if user is not None and user.is_authenticated else client_ip(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
