"""Device tokens (django-rest-knox): hashed at rest, one per device, revoked by logout."""

from __future__ import annotations

import binascii
from collections.abc import Callable
from hmac import compare_digest

from django.db.models.expressions import BaseExpression
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions
from rest_framework.authentication import get_authorization_header

from apps.core.i18n import activate_for_request

#: Values a higher app wants with every device-token lookup, read in the same query (name ->
#: a factory of an expression over the token row, e.g. a Subquery on ``OuterRef("user_id")``).
#: Registered from an AppConfig.ready (apps.consent registers the latest consent's state); the
#: values land on the user as ``token_values`` (a dict), absent for a session user.
_TOKEN_ANNOTATIONS: dict[str, Callable[[], BaseExpression]] = {}


def register_token_annotation(name: str, factory: Callable[[], BaseExpression]) -> None:
    _TOKEN_ANNOTATIONS[name] = factory


#: Attribute of the HttpRequest holding the (user, token) the consent gate already authenticated
#: from this request's own header (apps/consent/gate.py), so DRF does not look the token up again.
AUTHENTICATED_HERE = "_device_token_authenticated"


class DeviceTokenAuthentication(TokenAuthentication):  # type: ignore[misc]  # knox ships no types
    """Accepts ``Authorization: Token <token>`` and ``Authorization: Bearer <token>``."""

    prefixes = (b"token", b"bearer")

    def authenticate(self, request):
        result = self._authenticate(request)
        if result is not None:
            # The owner of the token is known only now: their language from here on
            # (apps.core.i18n; the middleware restores the default after the response).
            activate_for_request(getattr(request, "_request", request), result[0])
        return result

    def _authenticate(self, request):
        # DRF's Request hands unknown attributes over to the HttpRequest it wraps.
        authenticated = getattr(request, AUTHENTICATED_HERE, None)
        if authenticated is not None:
            return authenticated
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.prefixes:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        return self.authenticate_credentials(auth[1])

    def authenticate_credentials(self, token: bytes):
        """knox's lookup, with the patient record (and care team) of a patient's token read in
        the same query: nearly every request of the app needs it next (``patient_of_user``),
        and a staff token just gets an empty LEFT JOIN. (knox's own cleanup, with its
        ``token_expired`` signal, is replaced by ``_cleanup_token`` below; nothing listens to
        that signal here.)"""
        message = _("Invalid token.")
        key = token.decode("utf-8")
        candidates = (
            get_token_model()
            .objects.filter(token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
            .select_related("user__patient__care_team")
            .annotate(**{name: factory() for name, factory in _TOKEN_ANNOTATIONS.items()})
        )
        for auth_token in candidates:
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(key)
            except (TypeError, binascii.Error) as error:
                raise exceptions.AuthenticationFailed(message) from error
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                auth_token.user.token_values = {
                    name: getattr(auth_token, name) for name in _TOKEN_ANNOTATIONS
                }
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def _cleanup_token(self, auth_token) -> bool:
        # knox also sweeps every other token of the user on each request; an expired token
        # of this device is all that matters here, and the sweep costs a query per request.
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "Device token from `POST /api/v1/auth/token/` or `POST /api/v1/auth/enrol/`, "
                "sent as `Token <token>` or `Bearer <token>`."
            ),
        }
