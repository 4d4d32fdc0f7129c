"""SMS through Twilio. Credentials from settings (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a
sender: TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID)."""

from __future__ import annotations

from django.conf import settings
from twilio.base.exceptions import TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from apps.notifications.channels.base import Channel, DeliveryError, OutboundMessage
from apps.notifications.conf import notification_settings

# Twilio error codes that mean the number will never receive our SMS.
# https://www.twilio.com/docs/api/errors
PERMANENT_ERROR_CODES = frozenset(
    {
        21211,  # invalid 'To' phone number
        21214,  # 'To' number cannot be reached
        21217,  # phone number does not appear to be valid
        21407,  # this phone number type does not support SMS
        21421,  # phone number is invalid
        21610,  # recipient replied STOP (unsubscribed)
        21612,  # cannot route to this number
        21614,  # 'To' is not a valid mobile number
    }
)


class TwilioSmsChannel(Channel):
    name = "sms"

    def __init__(self, *, http_client: HttpClient | None = None) -> None:
        self._http_client = http_client

    @classmethod
    def configuration_problem(cls) -> str | None:
        missing = [
            name
            for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
            if not getattr(settings, name, "")
        ]
        if not (
            getattr(settings, "TWILIO_FROM_NUMBER", "")
            or getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "")
        ):
            missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
        return f"missing {', '.join(missing)}" if missing else None

    def _client(self) -> Client:
        http_client = self._http_client or TwilioHttpClient(
            timeout=notification_settings().http_timeout_seconds
        )
        return Client(
            settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
        )

    def send(self, message: OutboundMessage) -> None:
        sender: dict[str, str] = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if getattr(settings, "TWILIO_MESSAGING_SERVICE_SID", "")
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        text = f"{message.title}: {message.body}" if message.title else message.body
        try:
            self._client().messages.create(to=message.address, body=text, **sender)
        except TwilioRestException as error:
            permanent = error.code in PERMANENT_ERROR_CODES
            raise DeliveryError(f"twilio error {error.code}", permanent=permanent) from error
        except Exception as error:  # timeouts, connection errors: try again later
            raise DeliveryError(self.describe_error(error), permanent=False) from error
