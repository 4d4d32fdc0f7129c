"""Reminders tick by tick (every 15 minutes; every due time here is on the quarter hour)
through real DST changes and a flight."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.reminders.models import ReminderDelivery, ReminderSchedule
from tests.notifications.doubles import fcm

pytestmark = pytest.mark.django_db
UTC = dt.UTC
DAILY = {"checkin", "we_miss_you"}


def run_ticks(tick, start: dt.datetime, end: dt.datetime, step=dt.timedelta(minutes=15)):
    at = start
    while at <= end:
        tick(at)
        at += step


def daily_sends() -> list[tuple[dt.datetime, str]]:
    return [(push.at, push.data["date"]) for push in fcm.sent if push.data["reminder"] in DAILY]


@pytest.mark.parametrize(
    ("tz", "wall", "start", "expected"),
    [
        pytest.param(
            "Europe/London",
            dt.time(19, 0),
            dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 3, 28, 19, 0, tzinfo=UTC), "2026-03-28"),
                (dt.datetime(2026, 3, 29, 18, 0, tzinfo=UTC), "2026-03-29"),
            ],
            id="london-spring-forward-19:00",
        ),
        pytest.param(
            "Europe/London",
            dt.time(19, 0),
            dt.datetime(2026, 10, 24, 12, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 10, 24, 18, 0, tzinfo=UTC), "2026-10-24"),
                (dt.datetime(2026, 10, 25, 19, 0, tzinfo=UTC), "2026-10-25"),
            ],
            id="london-fall-back-19:00",
        ),
        pytest.param(
            "America/New_York",
            dt.time(19, 0),
            dt.datetime(2026, 3, 7, 12, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 3, 8, 0, 0, tzinfo=UTC), "2026-03-07"),
                (dt.datetime(2026, 3, 8, 23, 0, tzinfo=UTC), "2026-03-08"),
            ],
            id="new-york-spring-forward-19:00",
        ),
        pytest.param(
            "America/New_York",
            dt.time(19, 0),
            dt.datetime(2026, 10, 31, 12, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 10, 31, 23, 0, tzinfo=UTC), "2026-10-31"),
                (dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC), "2026-11-01"),
            ],
            id="new-york-fall-back-19:00",
        ),
        pytest.param(
            "Australia/Sydney",
            dt.time(19, 0),
            dt.datetime(2026, 4, 3, 12, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 4, 4, 8, 0, tzinfo=UTC), "2026-04-04"),
                (dt.datetime(2026, 4, 5, 9, 0, tzinfo=UTC), "2026-04-05"),
            ],
            id="sydney-fall-back-19:00",
        ),
        pytest.param(
            "Australia/Sydney",
            dt.time(19, 0),
            dt.datetime(2026, 10, 3, 0, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 10, 3, 9, 0, tzinfo=UTC), "2026-10-03"),
                (dt.datetime(2026, 10, 4, 8, 0, tzinfo=UTC), "2026-10-04"),
            ],
            id="sydney-spring-forward-19:00",
        ),
        pytest.param(
            "America/New_York",
            dt.time(2, 30),
            dt.datetime(2026, 3, 7, 0, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 3, 7, 7, 30, tzinfo=UTC), "2026-03-07"),  # 02:30 EST
                (dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "2026-03-08"),  # 03:30 EDT
            ],
            id="new-york-02:30-in-the-skipped-hour",
        ),
        pytest.param(
            "Europe/London",
            dt.time(1, 30),
            dt.datetime(2026, 3, 28, 0, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 3, 28, 1, 30, tzinfo=UTC), "2026-03-28"),  # 01:30 GMT
                (dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "2026-03-29"),  # 02:30 BST
            ],
            id="london-01:30-in-the-skipped-hour",
        ),
        pytest.param(
            "Europe/London",
            dt.time(1, 30),
            dt.datetime(2026, 10, 24, 0, 0, tzinfo=UTC),
            [
                (dt.datetime(2026, 10, 24, 0, 30, tzinfo=UTC), "2026-10-24"),
                (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25"),  # first 01:30
            ],
            id="london-01:30-on-the-repeated-hour",
        ),
    ],
)
def test_a_daily_reminder_goes_exactly_once_per_local_date_across_a_clock_change(
    tick, reminded_patient, tz, wall, start, expected
):
    reminded_patient(tz, now=start - dt.timedelta(hours=1), checkin_time=wall)

    run_ticks(tick, start, start + dt.timedelta(hours=47, minutes=55))

    assert daily_sends() == expected
    assert ReminderDelivery.objects.filter(kind__in=DAILY, outcome="notified").count() == 2


def change_timezone(patient, tz):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(patient.user)
    response = client.patch("/api/v1/me/", {"timezone": tz}, format="json")
    assert response.status_code == 200, response.json()


def test_flying_london_to_new_york_before_the_reminder_moves_it_to_19_00_new_york(
    tick, reminded_patient
):
    start = dt.datetime(2026, 6, 10, 10, 0, tzinfo=UTC)
    patient = reminded_patient("Europe/London", now=start)

    with time_machine.travel(start, tick=False):
        change_timezone(patient, "America/New_York")
    schedule = ReminderSchedule.objects.get(patient=patient, kind="checkin")
    assert schedule.next_due_at == dt.datetime(2026, 6, 10, 23, 0, tzinfo=UTC)

    run_ticks(tick, start, dt.datetime(2026, 6, 11, 12, 0, tzinfo=UTC))

    # Not at 19:00 London (18:00 UTC): at 19:00 New York.
    assert daily_sends() == [(dt.datetime(2026, 6, 10, 23, 0, tzinfo=UTC), "2026-06-10")]


def test_flying_after_todays_reminder_sends_the_next_one_tomorrow_at_19_00_new_york(
    tick, reminded_patient
):
    start = dt.datetime(2026, 6, 10, 17, 0, tzinfo=UTC)
    patient = reminded_patient("Europe/London", now=start)
    run_ticks(tick, start, dt.datetime(2026, 6, 10, 20, 0, tzinfo=UTC))

    with time_machine.travel(dt.datetime(2026, 6, 10, 20, 0, tzinfo=UTC), tick=False):
        change_timezone(patient, "America/New_York")
    run_ticks(
        tick,
        dt.datetime(2026, 6, 10, 20, 15, tzinfo=UTC),
        dt.datetime(2026, 6, 12, 0, 0, tzinfo=UTC),
    )

    assert daily_sends() == [
        (dt.datetime(2026, 6, 10, 18, 0, tzinfo=UTC), "2026-06-10"),
        (dt.datetime(2026, 6, 11, 23, 0, tzinfo=UTC), "2026-06-11"),
    ]
