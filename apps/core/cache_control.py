"""``Cache-Control: no-store`` on every answer that can carry patient data.

A shared cache (a proxy, a CDN) or the browser's disk cache must never keep a timeline, an
export, a token or an admin page. Every response under ``/api/``, ``/dashboard/`` and
``/admin/`` gets ``Cache-Control: no-store`` and ``Pragma: no-cache`` (HTTP/1.0 caches),
whoever asked and whatever the status: one rule, so no new endpoint can forget it. The health
check and the schema are under ``/api/`` too and are not cached either (monitoring wants a
fresh answer; the schema is cheap). Static files keep their long-lived caching (whitenoise).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

PRIVATE_PREFIXES = ("/api/", "/dashboard/", "/admin/")


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith(PRIVATE_PREFIXES):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
