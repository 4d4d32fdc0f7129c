"""Local time: the one module that knows it (docs/CONTRACTS.md, "One definition per concept").

Patient days are local dates in the patient's IANA zone (`local_today`, `local_date_of`);
a daily wall-clock time becomes a UTC instant only here (`local_instant`), and so do quiet
hours (`quiet_hours_end_after`). Time zone names are checked only here
(`validate_timezone_name`).

Wall times are built as local date-times and resolved by zoneinfo, never by adding hours in
UTC, so a daily time stays at the same local hour across DST changes and time-zone moves.
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
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

# The IANA areas of real places ("Region/City"). Left out: the system's own zone
# (`localtime`, which makes a patient's days follow the server's clock), `Factory`,
# `posixrules`, bare abbreviations and POSIX rules (`EST`, `GMT0`, `CST6CDT`), country aliases
# (`GB`, `US/Eastern`) and fixed offsets (`Etc/GMT+5`, whose sign is inverted).
REGION_AREAS = frozenset(
    {"Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Europe"}
    | {"Indian", "Pacific"}
)
# UTC itself is accepted under its two canonical names (staff and tests use it).
UTC_NAMES = frozenset({"UTC", "Etc/UTC"})


def is_region_zone(name: str) -> bool:
    return name in UTC_NAMES or name.split("/", 1)[0] in REGION_AREAS and "/" in name


@cache
def available_timezone_names() -> frozenset[str]:
    """The zones a patient or a clinic may have: IANA region zones, and UTC."""
    return frozenset(name for name in zoneinfo.available_timezones() if is_region_zone(name))


def validate_timezone_name(value: str) -> None:
    """The one check of a time zone name, wherever one is accepted (API, models, commands)."""
    if value not in available_timezone_names():
        raise ValidationError(
            _("'%(value)s' is not an IANA region time zone name (e.g. Europe/London), or UTC.")
            % {"value": value}
        )


UTC = dt.UTC


def zone(tz_name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tz_name)


def local_today(tz_name: str, *, now: dt.datetime | None = None) -> dt.date:
    """The local date in ``tz_name`` at ``now`` (an aware instant; defaults to the clock)."""
    return local_date_of(now or timezone.now(), tz_name)


def local_date_of(instant: dt.datetime, tz_name: str) -> dt.date:
    """The local date in ``tz_name`` of the aware ``instant``."""
    return instant.astimezone(zone(tz_name)).date()


def local_instant(day: dt.date, wall_time: dt.time, tz_name: str) -> dt.datetime:
    """The UTC instant of ``wall_time`` on local date ``day`` in ``tz_name`` (fold=0)."""
    local = dt.datetime.combine(day, wall_time.replace(tzinfo=None, fold=0), tzinfo=zone(tz_name))
    # Round-tripping through UTC normalises a wall time inside a gap (see module docstring).
    return local.astimezone(UTC)


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
