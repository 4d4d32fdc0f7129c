"""Patient days are local dates in an IANA zone; these helpers are the one place that knows how."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError
from django.utils import timezone


@cache
def available_timezone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone_name(value: str) -> None:
    if value not in available_timezone_names():
        raise ValidationError(f"'{value}' is not an IANA time zone name (e.g. Europe/London).")


def local_today(tz_name: str, *, now: dt.datetime | None = None) -> dt.date:
    """The local date in ``tz_name`` at ``now`` (an aware instant; defaults to the clock)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz_name)).date()
