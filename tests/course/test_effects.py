"""The effect of a treatment on the pain course: one pure function, table tests."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.treatments.effects import PainDay, treatment_effect

START = dt.date(2026, 10, 1)


def series(days: dict[int, tuple[int, int]]) -> dict[dt.date, PainDay]:
    """{offset from START: (pain_now, pain_worst_24h)}."""
    return {START + dt.timedelta(days=o): PainDay(now, worst) for o, (now, worst) in days.items()}


def run(days: dict[int, tuple[int, int]], today_offset: int):
    return treatment_effect(
        starts_on=START, today=START + dt.timedelta(days=today_offset), pain=series(days)
    )


@pytest.mark.parametrize(
    ("days", "today", "before", "after", "change"),
    [
        # Four check-ins before (worst 6, 7, 7, 8) and four in days 15-28 (3, 2, 3, 4).
        (
            {-14: (5, 6), -10: (5, 7), -5: (5, 7), -1: (5, 8), 15: (2, 3), 20: (2, 2), 25: (2, 3)}
            | {28: (2, 4)},
            40,
            7.0,
            3.0,
            -4.0,
        ),
        # Day -15 and day 14 / 29 are outside the windows: three inside each -> null.
        (
            {-15: (5, 9), -10: (5, 7), -5: (5, 7), -1: (5, 8), 14: (2, 1), 15: (2, 3)}
            | {20: (2, 2), 28: (2, 4), 29: (1, 1)},
            40,
            None,
            None,
            None,
        ),
        # Exactly 4 of 14 is enough; the start day itself belongs to neither window.
        (
            {-4: (4, 4), -3: (4, 4), -2: (4, 4), -1: (4, 5), 0: (9, 9), 16: (1, 1), 17: (1, 1)}
            | {18: (1, 1), 19: (1, 2)},
            40,
            4.25,
            1.25,
            -3.0,
        ),
    ],
)
def test_before_and_after_means(days, today, before, after, change):
    effect = run(days, today)
    assert (effect.before.mean, effect.after.mean, effect.change) == (before, after, change)
    if before is None:
        assert "at least 4 needed" in effect.before.reason
    if after is None:
        assert "at least 4 needed" in effect.after.reason


def test_after_window_in_the_future_says_not_yet():
    effect = run({-3: (4, 4), -2: (4, 4), -1: (4, 4), -4: (4, 4)}, 10)
    assert effect.before.mean == 4.0
    assert effect.after.mean is None
    assert effect.after.reason.startswith("Starts on 2026-10-16")
    assert effect.change is None


@pytest.mark.parametrize(
    ("days", "today", "expected", "reason"),
    [
        # Pain now 1 every day from day 10: the window starting on day 10 is the first.
        ({d: (1 if d >= 10 else 9, 3) for d in range(0, 30)}, 40, 10, None),
        # Low on only 3 days of each window: too few check-ins, never counted.
        ({d: (0, 0) for d in range(0, 40, 3)}, 40, None, "No 7-day window"),
        # A mean of exactly 2 counts (at most 2).
        ({0: (1, 1), 1: (3, 3), 2: (2, 2), 3: (2, 2)}, 10, 0, None),
        # Fewer than 7 days since the start.
        ({0: (0, 0), 1: (0, 0)}, 3, None, "Fewer than 7 days"),
        # Not low yet.
        ({d: (4, 6) for d in range(0, 20)}, 20, None, "No 7-day window"),
    ],
)
def test_days_to_low_pain(days, today, expected, reason):
    effect = run(days, today)
    assert effect.days_to_low_pain == expected
    if reason is None:
        assert effect.days_to_low_pain_reason is None
    else:
        assert effect.days_to_low_pain_reason.startswith(reason)


def test_future_checkins_are_never_read():
    days = {o: (1, 1) for o in range(-14, 29)}
    effect = run(days, 5)
    assert effect.after.mean is None
    assert effect.days_to_low_pain is None
