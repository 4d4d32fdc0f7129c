"""Local wall-clock times to UTC instants, and quiet hours.

The one place that turns "19:00 in Europe/London on 2026-03-29" into an instant. It always
builds the local date-time and lets zoneinfo resolve it; it never adds hours in UTC, so a
daily time stays at the same local hour across DST changes and time-zone moves.

DST choices (documented in docs/notifications.md):
- A wall time inside a spring-forward gap (02:30 in New York on the second Sunday of March;
  01:30 in London on the last Sunday of March) does not exist; we use ``fold=0``, which
  zoneinfo resolves with the offset in force before the gap, so it moves forward by the
  gap's length: 02:30 New York becomes 03:30 EDT (07:30 UTC), once.
- A wall time that happens twice on a fall-back day (01:30 in London on the last Sunday of
  October, 01:30 in New York on the first Sunday of November) resolves to its first
  occurrence (``fold=0``, still summer time), once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

UTC = dt.UTC


def zone(tz_name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz_name)


def local_instant(day: dt.date, wall_time: dt.time, tz_name: str) -> dt.datetime:
    """The UTC instant of ``wall_time`` on local date ``day`` in ``tz_name`` (fold=0)."""
    local = dt.datetime.combine(day, wall_time.replace(tzinfo=None, fold=0), tzinfo=zone(tz_name))
    # Round-tripping through UTC normalises a wall time inside a gap (see module docstring).
    return local.astimezone(UTC)


def local_date_of(instant: dt.datetime, tz_name: str) -> dt.date:
    return instant.astimezone(zone(tz_name)).date()


def quiet_hours_end_after(
    instant: dt.datetime,
    *,
    start: dt.time | None,
    end: dt.time | None,
    tz_name: str,
) -> dt.datetime | None:
    """If ``instant`` falls inside the local quiet hours [start, end), the instant they end;
    else None. A window with start > end spans midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return None
    local = instant.astimezone(zone(tz_name))
    wall = local.time().replace(tzinfo=None)
    if start < end:
        if not start <= wall < end:
            return None
        end_day = local.date()
    elif wall >= start:
        end_day = local.date() + dt.timedelta(days=1)
    elif wall < end:
        end_day = local.date()
    else:
        return None
    return local_instant(end_day, end, tz_name)
