"""With a real Celery worker on real Redis (CI's second pass): duplicates, concurrency and
retries end in exactly one delivery."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone
from firebase_admin import exceptions as firebase_exceptions
from firebase_admin import messaging

from apps.notifications.models import DeliveryAttempt, Device, Notification
from apps.notifications.services import notify
from apps.notifications.tasks import deliver_notification
from apps.reminders.models import ReminderDelivery, ReminderSchedule
from apps.reminders.services import reminder_schedules_recompute, reminders_claim_due
from tests.conftest import wait_until
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def patient():
    patient = ActivePatientFactory(timezone="UTC")
    PreferenceFactory(user=patient.user)  # push, no quiet hours
    DeviceFactory(user=patient.user, token="worker-token")
    return patient


def send(patient, key="w1"):
    return notify(recipient=patient.user, kind="test.worker", title="T", body="B", dedup_key=key)


def settle():
    """Give a duplicate message time to be consumed before asserting it did nothing."""
    time.sleep(1.5)


@pytest.mark.postgres
def test_two_beat_ticks_at_once_produce_exactly_one_delivery(celery_worker, patient):
    reminder_schedules_recompute(patient=patient)
    ReminderSchedule.objects.filter(patient=patient, kind="checkin").update(
        next_due_at=timezone.now() - dt.timedelta(minutes=1), local_date=timezone.localdate()
    )
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def beat():
        try:
            barrier.wait()
            reminders_claim_due()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert wait_until(lambda: len(fcm.sent) == 1)
    settle()
    assert len(fcm.sent) == 1
    assert ReminderDelivery.objects.filter(patient=patient, kind="checkin").count() == 1
    assert Notification.objects.filter(kind__startswith="reminder.").count() == 1


def test_a_delivery_task_delivered_twice_sends_once(celery_worker, patient):
    notification = send(patient)  # enqueues on commit
    deliver_notification.delay(str(notification.pk))  # the broker hands it out again

    assert wait_until(lambda: len(fcm.sent) == 1)
    settle()
    assert len(fcm.sent) == 1
    assert DeliveryAttempt.objects.filter(notification=notification).count() == 1


def test_a_transient_provider_error_is_retried_to_one_success(celery_worker, patient, settings):
    settings.NOTIFICATIONS = {"RETRY_BACKOFF_SECONDS": 0.2, "RETRY_BACKOFF_MAX_SECONDS": 1}
    fcm.reset(script=[firebase_exceptions.UnavailableError("FCM unavailable")])

    notification = send(patient)

    assert wait_until(
        lambda: Notification.objects.get(pk=notification.pk).status == "sent", timeout=30
    )
    settle()
    notification.refresh_from_db()
    assert notification.retries == 1
    assert list(notification.attempts.values_list("outcome", flat=True)) == [
        "transient_error",
        "sent",
    ]
    assert len(fcm.sent) == 1


def test_a_permanent_provider_error_disables_the_token(celery_worker, patient):
    fcm.reset(script=[messaging.UnregisteredError("Requested entity was not found.")])

    notification = send(patient)

    assert wait_until(lambda: Notification.objects.get(pk=notification.pk).status == "failed")
    device = Device.objects.get(token="worker-token")
    assert (device.is_active, device.disabled_reason) == (False, "UnregisteredError")
    settle()
    assert fcm.calls == 1  # not retried
    assert notification.attempts.get().outcome == "permanent_error"
