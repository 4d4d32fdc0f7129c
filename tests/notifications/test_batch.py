"""``notify_many`` and batch delivery: the same rules as ``notify``, for many at once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from firebase_admin import exceptions as firebase_exceptions
from firebase_admin import messaging

from apps.notifications.models import DeliveryAttempt, Device, Notification
from apps.notifications.services import (
    NotificationRequest,
    notifications_deliver_batch,
    notify,
    notify_many,
)
from apps.notifications.tasks import deliver_notifications
from tests.notifications.doubles import fcm
from tests.notifications.factories import ActivePatientFactory, DeviceFactory, PreferenceFactory

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)  # 13:00 in London


def patient(token):
    person = ActivePatientFactory(timezone="Europe/London")
    PreferenceFactory(user=person.user, channels=["push"])
    DeviceFactory(user=person.user, token=token)
    return person


def request(person, key):
    return NotificationRequest(
        recipient=person, kind="test.batch", title="T", body="B", dedup_key=key
    )


@time_machine.travel(NOON, tick=False)
def test_notify_many_stores_each_once_and_delivers_them_in_batches(
    settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS = {"DELIVERY_BATCH_SIZE": 2}
    people = [patient(f"t{n}") for n in range(5)]
    notify(recipient=people[0], kind="test.batch", title="T", body="B", dedup_key="k0")
    fcm.reset()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stored = notify_many(
            [request(p, f"k{n}") for n, p in enumerate(people)] + [request(people[1], "k1")]
        )

    assert len(callbacks) == 2  # 4 new ones, 2 per delivery task
    assert sorted(stored) == ["k0", "k1", "k2", "k3", "k4"]
    assert Notification.objects.count() == 5
    assert sorted(push.token for push in fcm.sent) == ["t1", "t2", "t3", "t4"]
    assert set(Notification.objects.exclude(dedup_key="k0").values_list("status", flat=True)) == {
        "sent"
    }
    assert DeliveryAttempt.objects.count() == 4


@time_machine.travel(NOON, tick=False)
def test_the_daily_budget_counts_the_batch_itself():
    person = patient("t")
    notify(recipient=person, kind="test.batch", title="T", body="B", dedup_key="before")

    stored = notify_many([request(person, f"k{n}") for n in range(3)])

    assert [stored[f"k{n}"].status for n in range(3)] == ["pending", "pending", "skipped"]
    assert stored["k2"].status_reason == "daily_budget"


@time_machine.travel(NOON, tick=False)
def test_a_batch_delivered_twice_sends_each_once():
    people = [patient(f"t{n}") for n in range(3)]
    stored = notify_many([request(p, f"k{n}") for n, p in enumerate(people)])
    ids = [n.pk for n in stored.values()]

    first = notifications_deliver_batch(notification_ids=ids)
    second = notifications_deliver_batch(notification_ids=ids)

    assert len(first.handled) == 3
    assert second.handled == {}
    assert sorted(push.token for push in fcm.sent) == ["t0", "t1", "t2"]


@time_machine.travel(NOON, tick=False)
def test_only_the_transiently_failed_one_is_retried_and_it_ends_sent(settings):
    settings.NOTIFICATIONS = {"RETRY_BACKOFF_SECONDS": 0, "RETRY_BACKOFF_MAX_SECONDS": 0}
    people = [patient(f"t{n}") for n in range(3)]
    stored = notify_many([request(p, f"k{n}") for n, p in enumerate(people)])
    fcm.reset(script=[None, firebase_exceptions.UnavailableError("FCM unavailable")])

    # As the worker runs it: the retry carries only the failed id (eager here, throw=False).
    deliver_notifications.apply(args=[[str(n.pk) for n in stored.values()]], throw=False)

    assert sorted(push.token for push in fcm.sent) == ["t0", "t1", "t2"]
    assert fcm.calls == 4
    retried = Notification.objects.get(attempts__outcome="transient_error")
    assert (retried.status, retried.retries) == ("sent", 1)
    assert list(retried.attempts.values_list("outcome", flat=True)) == [
        "transient_error",
        "sent",
    ]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


@time_machine.travel(NOON, tick=False)
def test_a_token_found_dead_is_not_used_again_later_in_the_same_batch():
    person = patient("dead-token")
    fcm.reset(script=[messaging.UnregisteredError("Requested entity was not found.")])
    stored = notify_many([request(person, "k0"), request(person, "k1")])

    deliver_notifications.delay([str(n.pk) for n in stored.values()])

    assert fcm.calls == 1
    assert Device.objects.get(token="dead-token").is_active is False
    assert list(
        Notification.objects.order_by("dedup_key").values_list("status_reason", flat=True)
    ) == [
        "no_reachable_channel",
        "no_reachable_channel",
    ]


def test_a_batch_hands_back_what_it_cannot_send_within_half_its_lease(settings, monkeypatch):
    """Past half the lease another run may claim the rest (the minute sweep): the batch stops
    sending, puts them back to pending, and they go out once, by the next run."""
    settings.NOTIFICATIONS = {"SENDING_LEASE_SECONDS": 60}
    with time_machine.travel(NOON, tick=False) as clock:
        people = [patient(f"t{n}") for n in range(3)]
        stored = notify_many([request(p, f"k{n}") for n, p in enumerate(people)])
        ids = [n.pk for n in stored.values()]
        send_each = fcm.send_each

        def slow_provider(*args, **kwargs):
            answer = send_each(*args, **kwargs)
            clock.shift(dt.timedelta(seconds=31))  # this call took over half the lease
            return answer

        monkeypatch.setattr(fcm, "send_each", slow_provider)
        first = notifications_deliver_batch(notification_ids=ids)
        statuses = sorted(Notification.objects.values_list("status", flat=True))
        monkeypatch.undo()
        second = notifications_deliver_batch(notification_ids=ids)

    assert len(first.handled) == 3
    assert statuses == ["pending", "pending", "sent"]
    assert len(second.handled) == 2
    assert sorted(push.token for push in fcm.sent) == ["t0", "t1", "t2"]
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert DeliveryAttempt.objects.count() == 3
