"""Test doubles at the providers' edge, behind the same interfaces as the real ones: a
recording stand-in for ``firebase_admin.messaging.send_each`` and a fake Twilio HTTP client.
The channel classes under test are the real ones."""

from __future__ import annotations

import datetime as dt
import json
import logging
import smtplib
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from firebase_admin import messaging
from twilio.http import HttpClient
from twilio.http.response import Response as TwilioResponse

from apps.notifications.channels.console import RecordingChannel
from apps.notifications.channels.push import FcmPushChannel
from apps.notifications.channels.sms import TwilioSmsChannel


@dataclass
class SentPush:
    token: str
    title: str
    body: str
    data: dict[str, str]
    at: dt.datetime


@dataclass
class FcmDouble:
    """Answers like FCM's send_each: a BatchResponse with one SendResponse per message.
    ``script`` holds the next outcomes: None (success) or a FirebaseError to report."""

    sent: list[SentPush] = field(default_factory=list)
    script: list[Exception | None] = field(default_factory=list)
    calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, script: list[Exception | None] | None = None) -> None:
        with self.lock:
            self.sent.clear()
            self.script[:] = list(script or [])
            self.calls = 0

    def send_each(
        self, messages: list[messaging.Message], dry_run: bool = False, app: Any = None
    ) -> messaging.BatchResponse:
        responses = []
        with self.lock:
            for message in messages:
                self.calls += 1
                outcome = self.script.pop(0) if self.script else None
                if outcome is not None:
                    responses.append(messaging.SendResponse(None, outcome))
                    continue
                self.sent.append(
                    SentPush(
                        token=message.token,
                        title=message.notification.title,
                        body=message.notification.body,
                        data=dict(message.data),
                        at=timezone.now(),
                    )
                )
                responses.append(
                    messaging.SendResponse({"name": f"projects/test/messages/{self.calls}"}, None)
                )
        return messaging.BatchResponse(responses)


fcm = FcmDouble()


class RecordingFcmPushChannel(FcmPushChannel):
    """The real FCM channel with send_each replaced by the double (no Firebase app)."""

    def __init__(self) -> None:
        super().__init__(send_each=fcm.send_each, app_factory=lambda: None)


class FakeTwilioHttpClient(HttpClient):
    """Answers Twilio REST calls from a script of (status, json body); records requests."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.twilio"), is_async=False, timeout=10)
        self.requests: list[dict[str, Any]] = []
        self.script: list[tuple[int, dict[str, Any]]] = []

    def reset(self, script: list[tuple[int, dict[str, Any]]] | None = None) -> None:
        self.requests = []
        self.script = list(script or [])

    def request(
        self,
        method,
        uri,
        params=None,
        data=None,
        headers=None,
        auth=None,
        timeout=None,
        allow_redirects=False,
    ) -> TwilioResponse:
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {})})
        status, body = (
            self.script.pop(0)
            if self.script
            else (201, {"sid": f"SM{len(self.requests):032d}", "status": "queued"})
        )
        return TwilioResponse(status, json.dumps(body))


twilio_http = FakeTwilioHttpClient()


class FakeHttpTwilioSmsChannel(TwilioSmsChannel):
    def __init__(self) -> None:
        super().__init__(http_client=twilio_http)


class RefusingEmailBackend(BaseEmailBackend):
    """A mail backend whose server refuses every recipient (as SMTP does for a bad address)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"x@example.org": (550, b"no such user")})


TEST_CHANNELS = {
    "push": "tests.notifications.doubles.RecordingFcmPushChannel",
    "email": "apps.notifications.channels.email.EmailChannel",
    "sms": "tests.notifications.doubles.FakeHttpTwilioSmsChannel",
    "console": "apps.notifications.channels.console.ConsoleChannel",
    "recording": "apps.notifications.channels.console.RecordingChannel",
}


@pytest.fixture
def provider_doubles(settings, tmp_path):
    """Configure every channel (credentials present) with the doubles at the provider edge."""
    credentials = tmp_path / "fcm-service-account.json"
    credentials.write_text("{}")
    settings.FCM_CREDENTIALS_FILE = str(credentials)
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.NOTIFICATION_CHANNELS = dict(TEST_CHANNELS)
    fcm.reset()
    twilio_http.reset()
    RecordingChannel.reset()
    yield
    fcm.reset()
    twilio_http.reset()
    RecordingChannel.reset()
