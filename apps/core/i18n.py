"""The language of patient-facing text: one resolver (API.md, Conventions: Language).

The patient's own ``language`` (BCP 47, `PATCH me/`), else the request's ``Accept-Language``,
else the deployment default (``LANGUAGE_CODE``), always one of the languages the deployment
offers (``TOH_PATIENT_LANGUAGES``, a subset of ``LANGUAGES``; docs/i18n.md).

`LanguageMiddleware` (outside the error middleware, so that its answers are translated too)
activates it for each request from ``Accept-Language`` (and the user DRF's test client
forces); a device token is authenticated inside the view, so the token authentication calls
`activate_for_request` with the user's ``language`` once it knows them
(apps.accounts.authentication). Session users (the staff web pages, which may stay English)
get ``Accept-Language``. The middleware restores the default when the response is made, so
nothing leaks to the next request of the thread.
Outside a request (Celery: reminders, notifications) the sender renders each text inside
``translation.override(language_of(user))``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def offered_languages() -> tuple[str, ...]:
    """The language codes this deployment offers patients (lower case, as in ``LANGUAGES``)."""
    known = {code.lower() for code, _ in settings.LANGUAGES}
    offered = getattr(settings, "TOH_PATIENT_LANGUAGES", None) or [settings.LANGUAGE_CODE]
    return tuple(code.lower() for code in offered if code.lower() in known)


def default_language() -> str:
    return settings.LANGUAGE_CODE.lower()


def offered_variant(tag: str | None) -> str | None:
    """The offered language a BCP 47 tag asks for (``es-MX`` → ``es``, ``en`` → ``en-gb``
    when only that English is offered), or None."""
    if not tag:
        return None
    tag = tag.strip().lower().replace("_", "-")
    offered = offered_languages()
    if tag in offered:
        return tag
    base = tag.split("-")[0]
    if base in offered:
        return base
    return next((code for code in offered if code.split("-")[0] == base), None)


def resolve_language(*, preferred: str | None = None, accept_language: str | None = None) -> str:
    """The one rule: the person's language, else the best of ``Accept-Language``, else the
    default."""
    chosen = offered_variant(preferred)
    if chosen:
        return chosen
    for tag, _quality in parse_accept_lang_header(accept_language or ""):
        if tag == "*":
            break
        chosen = offered_variant(tag)
        if chosen:
            return chosen
    return default_language()


def language_of(user: object) -> str:
    """A user's language for texts sent outside a request (reminders, notifications)."""
    return resolve_language(preferred=getattr(user, "language", "") or None)


def activate_for_request(request: HttpRequest, user: object | None) -> str:
    """Activate the language of ``user`` (or of the request alone) for this request."""
    language = resolve_language(
        preferred=getattr(user, "language", "") or None,
        accept_language=request.META.get("HTTP_ACCEPT_LANGUAGE"),
    )
    translation.activate(language)
    request.LANGUAGE_CODE = language
    return language


def _known_user(request: HttpRequest) -> object | None:
    # DRF's test client (APIClient.force_authenticate) hands the user over this way.
    return getattr(request, "_force_auth_user", None)


class LanguageMiddleware:
    """Activates the resolved language for the request and answers ``Content-Language``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_for_request(request, _known_user(request))
        try:
            response = self.get_response(request)
            language = translation.get_language()
            if language:
                response.headers.setdefault("Content-Language", language)
            patch_vary_headers(response, ("Accept-Language",))
            return response
        finally:
            translation.deactivate()
