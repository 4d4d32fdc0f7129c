"""Device tokens (django-rest-knox): hashed at rest, one per device, revoked by logout."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework.authentication import get_authorization_header

#: Attribute of the HttpRequest holding the (user, token) the consent gate already authenticated
#: from this request's own header (apps/consent/gate.py), so DRF does not look the token up again.
AUTHENTICATED_HERE = "_device_token_authenticated"


class DeviceTokenAuthentication(TokenAuthentication):
    """Accepts ``Authorization: Token <token>`` and ``Authorization: Bearer <token>``."""

    prefixes = (b"token", b"bearer")

    def authenticate(self, request):
        # DRF's Request hands unknown attributes over to the HttpRequest it wraps.
        authenticated = getattr(request, AUTHENTICATED_HERE, None)
        if authenticated is not None:
            return authenticated
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() not in self.prefixes:
            return None
        if len(auth) != 2:
            from rest_framework.exceptions import AuthenticationFailed

            raise AuthenticationFailed("Invalid token header.")
        return self.authenticate_credentials(auth[1])

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
