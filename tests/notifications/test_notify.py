from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from firebase_admin import exceptions as firebase_exceptions
from firebase_admin import messaging

from apps.notifications import services
from apps.notifications.models import (
    DeliveryAttempt,
    DeliveryOutcome,
    Device,
    Notification,
    NotificationStatus,
)
from apps.notifications.services import notification_deliver, notifications_dispatch_due, notify
from apps.notifications.tasks import deliver_notification
from tests.accounts.factories import PhysiotherapistFactory
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory

pytestmark = pytest.mark.django_db

# 2026-06-10 12:00 UTC is 13:00 in London: outside any quiet hours used below.
NOON = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def patient_with_phone():
    patient = ActivePatientFactory(timezone="Europe/London")
    PreferenceFactory(user=patient.user, channels=["push"])
    DeviceFactory(user=patient.user, token="phone-token")
    return patient


def send(patient, key="k1", **kwargs):
    defaults = {"kind": "test.message", "title": "Hello", "body": "Body text"}
    return notify(recipient=patient.user, dedup_key=key, **{**defaults, **kwargs})


@time_machine.travel(NOON, tick=False)
def test_notify_delivers_push_to_the_device_and_logs_the_attempt(
    patient_with_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(patient_with_phone, data={"screen": "checkin"})

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert notification.sent_at == NOON
    assert [(p.token, p.title, p.body) for p in fcm.sent] == [("phone-token", "Hello", "Body text")]
    assert fcm.sent[0].data == {
        "screen": "checkin",
        "kind": "test.message",
        "notification_id": str(notification.pk),
    }
    attempt = DeliveryAttempt.objects.get(notification=notification)
    assert (attempt.channel, attempt.outcome, attempt.error) == ("push", "sent", "")
    assert attempt.device.token == "phone-token"
    assert attempt.duration_ms >= 0


@time_machine.travel(NOON, tick=False)
def test_same_dedup_key_twice_stores_one_notification_and_sends_once(
    patient_with_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(patient_with_phone, key="flag:1")
        second = send(patient_with_phone, key="flag:1", title="Different")

    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(fcm.sent) == 1


@time_machine.travel(NOON, tick=False)
def test_delivery_task_run_twice_sends_once(patient_with_phone, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = send(patient_with_phone)
    assert len(callbacks) == 1

    deliver_notification.delay(str(notification.pk))
    deliver_notification.delay(str(notification.pk))

    assert len(fcm.sent) == 1
    assert DeliveryAttempt.objects.filter(outcome=DeliveryOutcome.SENT).count() == 1


@time_machine.travel(NOON, tick=False)
def test_transient_push_error_leaves_it_pending_and_the_retry_sends_once(patient_with_phone):
    # The Celery retry itself runs on a real worker in test_worker.py; here the service.
    fcm.reset(script=[firebase_exceptions.UnavailableError("FCM is down")])
    notification = send(patient_with_phone)

    with pytest.raises(services.TransientDeliveryError):
        notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.retries) == ("pending", 1)
    assert fcm.sent == []

    notification_deliver(notification_id=notification.pk)
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert list(notification.attempts.values_list("outcome", "error")) == [
        ("transient_error", "UnavailableError"),
        ("sent", ""),
    ]
    assert len(fcm.sent) == 1


@time_machine.travel(NOON, tick=False)
def test_transient_errors_on_the_last_allowed_try_end_as_failed(patient_with_phone):
    fcm.reset(script=[firebase_exceptions.UnavailableError("down")])
    notification = send(patient_with_phone)

    result = notification_deliver(notification_id=notification.pk, final_attempt=True)

    assert result.status == NotificationStatus.FAILED
    assert result.status_reason == "retries_exhausted"
    assert fcm.sent == []


@time_machine.travel(NOON, tick=False)
def test_unregistered_token_disables_the_device_and_is_not_retried(
    patient_with_phone, django_capture_on_commit_callbacks
):
    fcm.reset(script=[messaging.UnregisteredError("Requested entity was not found.")])
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(patient_with_phone)

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert notification.retries == 0
    device = Device.objects.get(token="phone-token")
    assert device.is_active is False
    assert device.disabled_reason == "UnregisteredError"

    with django_capture_on_commit_callbacks(execute=True):
        later = send(patient_with_phone, key="k2")
    later.refresh_from_db()
    assert later.attempts.count() == 0
    assert later.status_reason == "no_reachable_channel"
    assert fcm.calls == 1


def test_notification_in_quiet_hours_waits_for_their_end(
    django_capture_on_commit_callbacks,
):
    patient = ActivePatientFactory(timezone="Europe/London")
    PreferenceFactory(
        user=patient.user, quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 0)
    )
    DeviceFactory(user=patient.user)
    # 23:30 London (BST) on 10 June.
    with (
        time_machine.travel(dt.datetime(2026, 6, 10, 22, 30, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notification = send(patient)
        notifications_dispatch_due()

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.PENDING
    assert notification.scheduled_for == dt.datetime(2026, 6, 11, 6, 0, tzinfo=dt.UTC)
    assert notification.local_date == dt.date(2026, 6, 11)
    assert fcm.sent == []

    with (
        time_machine.travel(dt.datetime(2026, 6, 11, 5, 59, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications_dispatch_due() == 0
    assert fcm.sent == []

    with (
        time_machine.travel(dt.datetime(2026, 6, 11, 6, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications_dispatch_due() == 1
    assert [p.at for p in fcm.sent] == [dt.datetime(2026, 6, 11, 6, 0, tzinfo=dt.UTC)]


def test_urgent_notification_ignores_quiet_hours_and_budget(django_capture_on_commit_callbacks):
    patient = ActivePatientFactory(timezone="Europe/London")
    PreferenceFactory(
        user=patient.user, quiet_hours_start=dt.time(22, 0), quiet_hours_end=dt.time(7, 0)
    )
    DeviceFactory(user=patient.user)
    with (
        time_machine.travel(dt.datetime(2026, 6, 10, 23, 0, tzinfo=dt.UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        for index in range(5):
            send(patient, key=f"urgent-{index}", priority="urgent")

    assert len(fcm.sent) == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@time_machine.travel(NOON, tick=False)
def test_fourth_normal_notification_of_the_day_is_skipped_not_sent(
    patient_with_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(4):
            send(patient_with_phone, key=f"n{index}")

    fourth = Notification.objects.get(dedup_key="n3")
    assert fourth.status == NotificationStatus.SKIPPED
    assert fourth.status_reason == "daily_budget"
    assert fourth.attempts.count() == 0
    assert len(fcm.sent) == 3


def test_budget_counts_the_patients_local_day(django_capture_on_commit_callbacks):
    patient = ActivePatientFactory(timezone="Australia/Sydney")
    PreferenceFactory(user=patient.user)
    DeviceFactory(user=patient.user)
    # 13:00 UTC on 10 June is 23:00 in Sydney; 14:30 UTC is 00:30 on 11 June there.
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.UTC), tick=False):
            for index in range(3):
                send(patient, key=f"day1-{index}")
        with time_machine.travel(dt.datetime(2026, 6, 10, 14, 30, tzinfo=dt.UTC), tick=False):
            next_day = send(patient, key="day2-0")

    next_day.refresh_from_db()
    assert next_day.local_date == dt.date(2026, 6, 11)
    assert next_day.status == NotificationStatus.SENT
    assert len(fcm.sent) == 4


@time_machine.travel(dt.datetime(2026, 6, 10, 23, 30, tzinfo=dt.UTC), tick=False)
def test_staff_get_alerts_by_email_at_any_hour_without_budget(
    mailoutbox, django_capture_on_commit_callbacks
):
    physio = PhysiotherapistFactory(email="jo@clinic.example")
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(4):
            notify(
                recipient=physio,
                kind="flag.opened",
                title=f"New flag {index}",
                body="A patient needs review.",
                dedup_key=f"flag-{index}",
            )

    assert [m.to for m in mailoutbox] == [["jo@clinic.example"]] * 4
    assert mailoutbox[0].subject == "New flag 0"
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@time_machine.travel(NOON, tick=False)
def test_expired_notification_is_recorded_as_skipped_not_sent(patient_with_phone):
    notification = send(patient_with_phone, expires_at=NOON - dt.timedelta(minutes=1))

    result = notification_deliver(notification_id=notification.pk)

    assert result.status == NotificationStatus.SKIPPED
    assert result.status_reason == "expired"
    assert fcm.sent == []


@time_machine.travel(NOON, tick=False)
def test_a_send_abandoned_by_a_lost_worker_is_sent_once_after_the_lease(patient_with_phone):
    notification = send(patient_with_phone)
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=NOON - dt.timedelta(minutes=14)
    )
    assert notification_deliver(notification_id=notification.pk) is None  # lease still held
    assert fcm.sent == []

    Notification.objects.filter(pk=notification.pk).update(
        claimed_at=NOON - dt.timedelta(minutes=16)
    )
    result = notification_deliver(notification_id=notification.pk)

    assert result.status == NotificationStatus.SENT
    assert len(fcm.sent) == 1
    assert notification_deliver(notification_id=notification.pk) is None
    assert len(fcm.sent) == 1


@time_machine.travel(NOON, tick=False)
def test_the_sweep_puts_an_abandoned_send_back_then_gives_up_after_max_retries(
    patient_with_phone,
):
    notification = send(patient_with_phone)
    stale = NOON - dt.timedelta(minutes=16)
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=stale
    )

    notifications_dispatch_due()

    notification.refresh_from_db()
    assert (notification.status, notification.status_reason) == ("pending", "worker_lost")
    assert notification.retries == 1

    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING, claimed_at=stale, retries=5
    )
    notifications_dispatch_due()

    notification.refresh_from_db()
    assert (notification.status, notification.status_reason) == ("failed", "worker_lost")
    assert fcm.sent == []


@time_machine.travel(NOON, tick=False)
def test_lost_delivery_task_is_published_again_by_the_sweep(
    patient_with_phone, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        notification = send(patient_with_phone)  # its task never runs

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_dispatch_due() == 0  # published a moment ago: not yet
    with (
        time_machine.travel(NOON + dt.timedelta(minutes=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert notifications_dispatch_due() == 1

    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(fcm.sent) == 1


@time_machine.travel(NOON, tick=False)
def test_notify_accepts_a_patient_as_recipient(patient_with_phone):
    notification = services.notify(
        recipient=patient_with_phone, kind="x", title="t", body="b", dedup_key="p"
    )
    assert notification.recipient_id == patient_with_phone.user_id
    assert notification.local_date == timezone.localdate(NOON)
