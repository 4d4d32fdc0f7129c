"""A transient database error (SQLite's "database is locked", a dropped connection) in a
delivery task is retried promptly by the task itself, not left to the sweep's 15 minutes."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from apps.notifications import delivery, tasks
from apps.notifications.models import NotificationStatus
from apps.notifications.services import notify
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory

pytestmark = pytest.mark.django_db


def locked_once(monkeypatch, module, name):
    """Make ``module.name`` raise a lock error on its first call only; count the calls."""
    real = getattr(module, name)
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, flaky)
    return calls


@pytest.fixture
def urgent_notification():
    patient = ActivePatientFactory(timezone="Europe/London")
    PreferenceFactory(user=patient.user, channels=["push"])
    DeviceFactory(user=patient.user, token="phone-token")
    # Stored, delivery not run yet (its on-commit task is what the test runs).
    return notify(
        recipient=patient.user,
        kind="flag.emergency",
        title="Call 999",
        body="Emergency advice",
        dedup_key="emergency-1",
        priority="urgent",
    )


def test_an_emergency_push_whose_claim_hit_a_lock_is_retried_and_sent(
    urgent_notification, monkeypatch
):
    calls = locked_once(monkeypatch, delivery, "_claim")

    tasks.deliver_notification.apply(args=[str(urgent_notification.pk)], throw=False)

    urgent_notification.refresh_from_db()
    assert len(calls) == 2
    assert urgent_notification.status == NotificationStatus.SENT
    assert [p.token for p in fcm.sent] == ["phone-token"]


def test_a_batch_delivery_is_retried_too(urgent_notification, monkeypatch):
    calls = locked_once(monkeypatch, delivery, "_claim")

    tasks.deliver_notifications.apply(args=[[str(urgent_notification.pk)]], throw=False)

    urgent_notification.refresh_from_db()
    assert len(calls) == 2
    assert urgent_notification.status == NotificationStatus.SENT


def test_database_errors_are_retried_with_a_short_backoff():
    for task in (
        tasks.deliver_notification,
        tasks.deliver_notifications,
        tasks.dispatch_due_notifications,
    ):
        assert OperationalError in task.autoretry_for, task.name
        assert task.retry_backoff_max <= 60, task.name
        assert task.max_retries >= 5, task.name


def test_a_lock_after_the_claim_gives_the_row_back_and_the_retry_sends_it(
    urgent_notification, monkeypatch
):
    # The claim went through (the row is "sending"); the next read hits the lock. Without
    # giving the claim back, the retry would find the row held until the 15-minute lease.
    calls = locked_once(monkeypatch, delivery, "_finished_targets")

    tasks.deliver_notification.apply(args=[str(urgent_notification.pk)], throw=False)

    urgent_notification.refresh_from_db()
    assert len(calls) == 2
    assert urgent_notification.status == NotificationStatus.SENT
    assert [p.token for p in fcm.sent] == ["phone-token"]


def test_a_lock_while_recording_the_outcome_never_sends_twice(urgent_notification, monkeypatch):
    # The push went out and its attempt is on record; writing the status hits the lock.
    calls = locked_once(monkeypatch, delivery, "_record_outcomes")

    tasks.deliver_notification.apply(args=[str(urgent_notification.pk)], throw=False)

    urgent_notification.refresh_from_db()
    assert len(calls) == 2
    assert urgent_notification.status == NotificationStatus.SENT
    assert [p.token for p in fcm.sent] == ["phone-token"]


def test_lock_errors_do_not_use_up_the_delivery_attempts_of_an_emergency_push(
    urgent_notification, monkeypatch, settings
):
    """A run that Celery re-ran three times for lock timeouts (request.retries == 3) is still
    the first delivery attempt: the attempts are counted apart from the database re-runs, so
    the next provider error is retried, not final."""
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "MAX_RETRIES": 2}
    seen = []

    def deliver(*, notification_id, final_attempt):
        seen.append(final_attempt)

    monkeypatch.setattr(tasks.services, "notification_deliver", deliver)

    tasks.deliver_notification.apply(args=[str(urgent_notification.pk)], retries=3)
    tasks.deliver_notification.apply(
        args=[str(urgent_notification.pk)], kwargs={"delivery_retries": 2}, retries=3
    )

    assert seen == [False, True]
