"""Pure time rules for reminders (no database)."""

from __future__ import annotations

import datetime as dt

from apps.core.timezones import local_date_of, local_instant


def next_occurrence(
    *,
    wall_time: dt.time,
    tz_name: str,
    after: dt.datetime,
    not_before: dt.date | None = None,
    taken: frozenset[dt.date] = frozenset(),
) -> tuple[dt.date, dt.datetime]:
    """The first local date (not before ``not_before``, not in ``taken``) whose ``wall_time``
    in ``tz_name`` is strictly after ``after``, and that instant in UTC.

    Computed from the local rule for each date (see apps.core.timezones for DST), so
    a 19:00 reminder is at 19:00 local on both sides of a clock change."""
    day = local_date_of(after, tz_name)
    if not_before is not None and day < not_before:
        day = not_before
    while True:
        at = local_instant(day, wall_time, tz_name)
        if at > after and day not in taken:
            return day, at
        day += dt.timedelta(days=1)
