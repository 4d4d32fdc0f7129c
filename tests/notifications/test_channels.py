from __future__ import annotations

import pytest
from firebase_admin import exceptions as firebase_exceptions
from firebase_admin import messaging

from apps.notifications.channels import DeliveryError, OutboundMessage, channel_problems
from apps.notifications.channels.email import EmailChannel
from apps.notifications.channels.push import FcmPushChannel
from tests.notifications.doubles import (
    FakeHttpTwilioSmsChannel,
    RecordingFcmPushChannel,
    fcm,
    twilio_http,
)

MESSAGE = OutboundMessage(
    notification_id="n-1", address="+447700900123", title="Check-in", body="Time to check in"
)


def test_sms_channel_posts_the_message_to_twilio_from_the_configured_number():
    FakeHttpTwilioSmsChannel().send(MESSAGE)

    [request] = twilio_http.requests
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{'AC' + '0' * 32}/Messages.json")
    assert request["data"] == {
        "To": "+447700900123",
        "From": "+15005550006",
        "Body": "Check-in: Time to check in",
    }


@pytest.mark.parametrize("code", [21211, 21614, 21610])
def test_sms_invalid_number_errors_are_permanent(code):
    twilio_http.reset(script=[(400, {"code": code, "message": "bad number", "status": 400})])

    with pytest.raises(DeliveryError) as raised:
        FakeHttpTwilioSmsChannel().send(MESSAGE)

    assert raised.value.permanent is True
    assert raised.value.reason == f"twilio error {code}"


def test_sms_server_error_is_transient():
    twilio_http.reset(script=[(503, {"code": 20503, "message": "unavailable", "status": 503})])

    with pytest.raises(DeliveryError) as raised:
        FakeHttpTwilioSmsChannel().send(MESSAGE)

    assert raised.value.permanent is False


def test_push_channel_sends_one_fcm_message_to_the_token():
    RecordingFcmPushChannel().send(
        OutboundMessage(notification_id="n-2", address="tok", title="T", body="B", urgent=True)
    )

    [push] = fcm.sent
    assert (push.token, push.title, push.body, push.data) == (
        "tok",
        "T",
        "B",
        {"notification_id": "n-2"},
    )


def test_push_urgent_messages_ask_for_high_priority_delivery():
    message = FcmPushChannel.build(
        OutboundMessage(notification_id="n", address="tok", title="T", body="B", urgent=True)
    )
    assert message.android.priority == "high"
    assert message.apns.headers == {"apns-priority": "10"}


@pytest.mark.parametrize(
    ("error", "permanent"),
    [
        (messaging.UnregisteredError("gone"), True),
        (messaging.SenderIdMismatchError("other sender"), True),
        (firebase_exceptions.UnavailableError("down"), False),
        (messaging.QuotaExceededError("slow down"), False),
        (firebase_exceptions.InternalError("oops"), False),
    ],
)
def test_push_errors_are_classified_permanent_or_transient(error, permanent):
    fcm.reset(script=[error])

    with pytest.raises(DeliveryError) as raised:
        RecordingFcmPushChannel().send(MESSAGE)

    assert raised.value.permanent is permanent
    assert raised.value.reason == type(error).__name__


def test_email_channel_sends_through_the_default_mailer(mailoutbox):
    EmailChannel().send(
        OutboundMessage(notification_id="n", address="a@example.org", title="Subj", body="Text")
    )

    [mail] = mailoutbox
    assert (mail.to, mail.subject, mail.body) == (["a@example.org"], "Subj", "Text")


def test_refused_email_address_is_a_permanent_error(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.notifications.doubles.RefusingEmailBackend"}}

    with pytest.raises(DeliveryError) as raised:
        EmailChannel().send(MESSAGE)

    assert raised.value.permanent is True


def test_channels_without_credentials_report_why(settings):
    settings.FCM_CREDENTIALS_FILE = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.NOTIFICATION_CHANNELS = {
        "push": "apps.notifications.channels.push.FcmPushChannel",
        "sms": "apps.notifications.channels.sms.TwilioSmsChannel",
        "email": "apps.notifications.channels.email.EmailChannel",
    }

    assert channel_problems() == {
        "push": "FCM_CREDENTIALS_FILE is not set",
        "sms": "missing TWILIO_AUTH_TOKEN",
        "email": None,
    }
