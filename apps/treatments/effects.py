"""The effect of a treatment on the pain course: one pure function (API.md: Treatments and
imaging, `effect`). It takes the episode's pain values by local date and never reads the
database; the check-ins are read by whoever composes it (apps.treatments.readers).

- ``before``: mean ``pain_worst_24h`` over the 14 local dates before the start (start-14 ..
  start-1); ``after``: over days 15-28 after it (start+15 .. start+28). Each needs check-ins on
  at least 4 of its dates, else it is null with the reason.
- ``change``: after minus before (negative: less pain), when both exist.
- ``days_to_low_pain``: days from the start to the first date of the first 7-day window
  (start .. today) whose mean ``pain_now`` is at most 2, with check-ins on at least 4 of its
  7 dates (as the trend rules require, CLINICAL_RULES.md); null with the reason otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

WINDOW_DAYS = 14
AFTER_FIRST_DAY = 15
AFTER_LAST_DAY = 28
MIN_DAYS = 4
LOW_PAIN_MAX = 2
LOW_PAIN_WINDOW = 7
LOW_PAIN_MIN_DAYS = 4


@dataclass(frozen=True)
class PainDay:
    pain_now: int
    pain_worst_24h: int


@dataclass(frozen=True)
class PainWindow:
    date_from: dt.date
    date_to: dt.date
    days_with_checkins: int
    mean: float | None
    reason: str | None


@dataclass(frozen=True)
class Effect:
    before: PainWindow
    after: PainWindow
    change: float | None
    days_to_low_pain: int | None
    days_to_low_pain_reason: str | None


def _window(
    pain: Mapping[dt.date, PainDay], first: dt.date, last: dt.date, today: dt.date
) -> PainWindow:
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    values = [pain[d].pain_worst_24h for d in days if d in pain and d <= today]
    if first > today:
        return PainWindow(first, last, 0, None, f"Starts on {first.isoformat()}, not yet.")
    if len(values) < MIN_DAYS:
        return PainWindow(
            first,
            last,
            len(values),
            None,
            f"Check-ins on {len(values)} of these {len(days)} days; at least {MIN_DAYS} needed.",
        )
    return PainWindow(first, last, len(values), round(sum(values) / len(values), 2), None)


def _days_to_low_pain(
    pain: Mapping[dt.date, PainDay], starts_on: dt.date, today: dt.date
) -> tuple[int | None, str | None]:
    first = starts_on
    while first + dt.timedelta(days=LOW_PAIN_WINDOW - 1) <= today:
        days = [first + dt.timedelta(days=n) for n in range(LOW_PAIN_WINDOW)]
        values = [pain[d].pain_now for d in days if d in pain]
        if len(values) >= LOW_PAIN_MIN_DAYS and Fraction(sum(values), len(values)) <= LOW_PAIN_MAX:
            return (first - starts_on).days, None
        first += dt.timedelta(days=1)
    if starts_on + dt.timedelta(days=LOW_PAIN_WINDOW - 1) > today:
        return None, f"Fewer than {LOW_PAIN_WINDOW} days since the start."
    return None, (
        f"No {LOW_PAIN_WINDOW}-day window since the start with check-ins on at least "
        f"{LOW_PAIN_MIN_DAYS} days and mean pain now at most {LOW_PAIN_MAX} (yet)."
    )


def treatment_effect(
    *, starts_on: dt.date, today: dt.date, pain: Mapping[dt.date, PainDay]
) -> Effect:
    """The effect of a treatment that started on ``starts_on``, as of the local ``today``."""
    before = _window(
        pain, starts_on - dt.timedelta(days=WINDOW_DAYS), starts_on - dt.timedelta(days=1), today
    )
    after = _window(
        pain,
        starts_on + dt.timedelta(days=AFTER_FIRST_DAY),
        starts_on + dt.timedelta(days=AFTER_LAST_DAY),
        today,
    )
    change = (
        round(after.mean - before.mean, 2)
        if after.mean is not None and before.mean is not None
        else None
    )
    days, reason = _days_to_low_pain(pain, starts_on, today)
    return Effect(before, after, change, days, reason)


def pain_span(starts: list[dt.date], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The dates of check-ins the effects of treatments starting on ``starts`` read."""
    if not starts:
        return None
    return min(starts) - dt.timedelta(days=WINDOW_DAYS), max(today, max(starts))
