from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.notifications.models import DeliveryOutcome, NotificationStatus
from apps.notifications.services import notify
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory

pytestmark = pytest.mark.django_db


def test_health_reports_unconfigured_channels_without_failing(api_client, settings):
    settings.FCM_CREDENTIALS_FILE = ""

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    component = response.json()["components"]["notification_channels"]
    assert component["status"] == "ok"
    assert "push: not configured (FCM_CREDENTIALS_FILE is not set)" in component["detail"]
    assert "email: configured" in component["detail"]


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_unconfigured_channel_is_skipped_and_the_others_still_deliver(
    settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.FCM_CREDENTIALS_FILE = ""
    patient = ActivePatientFactory(user__email="pat@example.org")
    PreferenceFactory(user=patient.user, channels=["push", "email"])
    DeviceFactory(user=patient.user)

    with django_capture_on_commit_callbacks(execute=True):
        notification = notify(recipient=patient.user, kind="k", title="T", body="B", dedup_key="d")

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert list(notification.attempts.values_list("channel", "outcome", "error")) == [
        ("push", DeliveryOutcome.SKIPPED, "not configured"),
        ("email", DeliveryOutcome.SENT, ""),
    ]
    assert fcm.calls == 0
    assert [m.to for m in mailoutbox] == [["pat@example.org"]]


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_invalid_phone_number_disables_sms_for_the_patient(django_capture_on_commit_callbacks):
    from tests.notifications.doubles import twilio_http

    twilio_http.reset(script=[(400, {"code": 21211, "message": "invalid", "status": 400})])
    patient = ActivePatientFactory(phone="+447700900123")
    preference = PreferenceFactory(user=patient.user, channels=["sms"])

    with django_capture_on_commit_callbacks(execute=True):
        first = notify(recipient=patient.user, kind="k", title="T", body="B", dedup_key="1")
        second = notify(recipient=patient.user, kind="k", title="T", body="B", dedup_key="2")

    preference.refresh_from_db()
    assert preference.sms_disabled_at is not None
    assert first.attempts.get().outcome == DeliveryOutcome.PERMANENT_ERROR
    assert second.attempts.count() == 0
    assert len(twilio_http.requests) == 1
