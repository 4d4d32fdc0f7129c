"""E-mail through Django's mailers (Django 6.1 ``MAILERS``); anymail providers plug in as the
backend class. Timeouts: SMTP's comes from the mailer options (production sets 10 s);
anymail's HTTP backends use their own request timeout."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage

from apps.notifications.channels.base import Channel, DeliveryError, OutboundMessage

# Errors that mean "this address will never work", not "try later".
_PERMANENT_NAMES = {"AnymailRecipientsRefused", "AnymailInvalidAddress"}


class EmailChannel(Channel):
    name = "email"

    @classmethod
    def configuration_problem(cls) -> str | None:
        mailers = getattr(settings, "MAILERS", None) or {}
        return None if "default" in mailers else "MAILERS has no default mailer"

    def send(self, message: OutboundMessage) -> None:
        email = EmailMessage(
            subject=message.title,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.address],
        )
        try:
            sent = email.send(using="default")
        except smtplib.SMTPRecipientsRefused as error:
            raise DeliveryError("recipient refused", permanent=True) from error
        except Exception as error:
            if type(error).__name__ in _PERMANENT_NAMES:
                raise DeliveryError(type(error).__name__, permanent=True) from error
            raise DeliveryError(self.describe_error(error), permanent=False) from error
        if not sent:
            raise DeliveryError("mailer accepted no message", permanent=False)
