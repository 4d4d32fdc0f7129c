"""The local wall-clock rule in real zones, around their DST changes (2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.core.timezones import local_instant, quiet_hours_end_after
from apps.reminders.rules import next_occurrence

UTC = dt.UTC


@pytest.mark.parametrize(
    ("tz", "day", "expected_utc"),
    [
        # London: BST starts 29 March, ends 25 October.
        ("Europe/London", dt.date(2026, 3, 28), dt.datetime(2026, 3, 28, 19, 0, tzinfo=UTC)),
        ("Europe/London", dt.date(2026, 3, 29), dt.datetime(2026, 3, 29, 18, 0, tzinfo=UTC)),
        ("Europe/London", dt.date(2026, 10, 25), dt.datetime(2026, 10, 25, 19, 0, tzinfo=UTC)),
        # New York: EDT starts 8 March, ends 1 November.
        ("America/New_York", dt.date(2026, 3, 7), dt.datetime(2026, 3, 8, 0, 0, tzinfo=UTC)),
        ("America/New_York", dt.date(2026, 3, 8), dt.datetime(2026, 3, 8, 23, 0, tzinfo=UTC)),
        ("America/New_York", dt.date(2026, 11, 1), dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)),
        # Sydney: AEDT ends 5 April, starts 4 October.
        ("Australia/Sydney", dt.date(2026, 4, 4), dt.datetime(2026, 4, 4, 8, 0, tzinfo=UTC)),
        ("Australia/Sydney", dt.date(2026, 4, 5), dt.datetime(2026, 4, 5, 9, 0, tzinfo=UTC)),
        ("Australia/Sydney", dt.date(2026, 10, 4), dt.datetime(2026, 10, 4, 8, 0, tzinfo=UTC)),
    ],
)
def test_19_00_is_19_00_local_on_both_sides_of_each_clock_change(tz, day, expected_utc):
    assert local_instant(day, dt.time(19, 0), tz) == expected_utc


def test_02_30_in_new_yorks_spring_forward_gap_becomes_03_30_local():
    instant = local_instant(dt.date(2026, 3, 8), dt.time(2, 30), "America/New_York")

    assert instant == dt.datetime(2026, 3, 8, 7, 30, tzinfo=UTC)  # 03:30 EDT


def test_01_30_in_londons_spring_forward_gap_becomes_02_30_local():
    # London skips 01:00-02:00 GMT (clocks go from 01:00 to 02:00).
    instant = local_instant(dt.date(2026, 3, 29), dt.time(1, 30), "Europe/London")

    assert instant == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 BST


def test_01_30_on_the_fall_back_day_is_its_first_occurrence():
    instant = local_instant(dt.date(2026, 10, 25), dt.time(1, 30), "Europe/London")

    assert instant == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST


def test_next_occurrence_after_the_first_01_30_of_a_fall_back_day_is_the_next_day():
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)

    day, at = next_occurrence(wall_time=dt.time(1, 30), tz_name="Europe/London", after=first)

    assert (day, at) == (dt.date(2026, 10, 26), dt.datetime(2026, 10, 26, 1, 30, tzinfo=UTC))


def test_next_occurrence_skips_dates_already_taken():
    after = dt.datetime(2026, 6, 10, 12, 0, tzinfo=UTC)

    day, _ = next_occurrence(
        wall_time=dt.time(19, 0),
        tz_name="America/New_York",
        after=after,
        taken=frozenset({dt.date(2026, 6, 10)}),
    )

    assert day == dt.date(2026, 6, 11)


@pytest.mark.parametrize(
    ("local_wall", "expected_end"),
    [
        (dt.time(21, 59), None),
        (dt.time(22, 0), dt.datetime(2026, 6, 11, 6, 0, tzinfo=UTC)),
        (dt.time(3, 0), dt.datetime(2026, 6, 10, 6, 0, tzinfo=UTC)),
        (dt.time(6, 59), dt.datetime(2026, 6, 10, 6, 0, tzinfo=UTC)),
        (dt.time(7, 0), None),
    ],
)
def test_quiet_hours_spanning_midnight_end_at_the_next_07_00(local_wall, expected_end):
    day = dt.date(2026, 6, 10)
    instant = local_instant(day, local_wall, "Europe/London")

    end = quiet_hours_end_after(
        instant, start=dt.time(22, 0), end=dt.time(7, 0), tz_name="Europe/London"
    )

    assert end == expected_end
