"""Patient days are local dates in an IANA zone; these helpers are the one place that knows how."""

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


def local_today(tz_name: str, *, now: dt.datetime | None = None) -> dt.date:
    """The local date in ``tz_name`` at ``now`` (an aware instant; defaults to the clock)."""
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(tz_name)).date()
