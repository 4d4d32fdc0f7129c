"""Plausible values: serializer fields that refuse dates and instants no real record has.

A date outside 1900-01-01..2100-12-31 is refused everywhere a date comes in (query parameters
too: arithmetic on ``date.min``/``date.max`` overflows). Instants the phone records
(``recorded_at``) must be near now: at most ``RECORDED_AT_MAX_FUTURE_MINUTES`` ahead (clock
skew) and at most the days a record may be backdated plus one behind. Plans lie within
``PLAN_YEARS_AROUND_TODAY`` years of today.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from apps.core.fields import InstantField

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
DEFAULT_RECORDED_AT_MAX_FUTURE_MINUTES = 10
DEFAULT_PLAN_YEARS_AROUND_TODAY = 5


class BoundedDateField(serializers.DateField):
    """A date within ``min_date``..``max_date`` (default 1900-01-01..2100-12-31)."""

    default_error_messages = {
        "too_early": "Cannot be before {min_date}.",
        "too_late": "Cannot be after {max_date}.",
    }

    def __init__(
        self,
        *,
        min_date: dt.date = DATE_MIN,
        max_date: dt.date = DATE_MAX,
        not_future: bool = False,
        **kwargs,
    ):
        self.min_date = min_date
        self.max_date = max_date
        self.not_future = not_future
        super().__init__(**kwargs)

    def bounds(self) -> tuple[dt.date, dt.date]:
        if self.not_future:  # today anywhere on Earth (UTC+14) is at most tomorrow in UTC
            return self.min_date, timezone.now().date() + dt.timedelta(days=1)
        return self.min_date, self.max_date

    def to_internal_value(self, value):
        date = super().to_internal_value(value)
        low, high = self.bounds()
        if date < low:
            self.fail("too_early", min_date=low.isoformat())
        if date > high:
            self.fail("too_late", max_date=high.isoformat())
        return date


class NearTodayDateField(BoundedDateField):
    """A date within ``years`` years either side of today (UTC; a day either way is a zone)."""

    def __init__(self, *, years: int | None = None, **kwargs):
        self.years = years
        super().__init__(**kwargs)

    def bounds(self) -> tuple[dt.date, dt.date]:
        years = self.years or int(
            getattr(settings, "PLAN_YEARS_AROUND_TODAY", DEFAULT_PLAN_YEARS_AROUND_TODAY)
        )
        today = timezone.now().date()
        span = dt.timedelta(days=round(365.25 * years))
        return today - span, today + span


def recorded_at_window(days_back: int, *, now: dt.datetime | None = None):
    """The instants a phone may report having recorded something: (earliest, latest)."""
    now = now or timezone.now()
    ahead = int(
        getattr(settings, "RECORDED_AT_MAX_FUTURE_MINUTES", DEFAULT_RECORDED_AT_MAX_FUTURE_MINUTES)
    )
    return now - dt.timedelta(days=days_back + 1), now + dt.timedelta(minutes=ahead)


class RecordedAtField(InstantField):
    """``recorded_at``: an instant with its offset, near now (see module docstring)."""

    default_error_messages = {
        "future": "Cannot be more than {minutes} minutes ahead of the server's clock.",
        "too_old": "Cannot be more than {days} days ago.",
    }

    def __init__(self, *, days_back: int, **kwargs):
        self.days_back = days_back
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        instant = super().to_internal_value(value)
        earliest, latest = recorded_at_window(self.days_back)
        if instant > latest:
            minutes = round((latest - timezone.now()).total_seconds() / 60)
            self.fail("future", minutes=minutes)
        if instant < earliest:
            self.fail("too_old", days=self.days_back + 1)
        return instant


class DateRangeQuerySerializer(serializers.Serializer):
    """``?from=&to=`` (dates within the bounds above, both optional; empty = absent).

    The fields are named as the query parameters, so errors are reported under ``from`` and
    ``to``; their values land in ``validated_data`` as ``date_from`` and ``date_to`` (``from`` is
    a Python keyword). ``max_days`` (optional) bounds the length of a range given in full.
    Subclasses add fields with ``extra_fields``."""

    max_days: int | None = None

    def extra_fields(self) -> dict[str, serializers.Field]:
        return {}

    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **self.extra_fields(),
            "from": BoundedDateField(
                required=False, source="date_from", help_text="First date included."
            ),
            "to": BoundedDateField(
                required=False, source="date_to", help_text="Last date included."
            ),
        }

    def to_internal_value(self, data):
        present = {name: data.get(name) for name in self.fields if data.get(name) not in (None, "")}
        return super().to_internal_value(present)

    def validate(self, attrs: dict) -> dict:
        date_from, date_to = attrs.get("date_from"), attrs.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                raise serializers.ValidationError({"from": [_("Must not be after `to`.")]})
            if self.max_days and (date_to - date_from).days + 1 > self.max_days:
                raise serializers.ValidationError(
                    {"from": [_("At most %(days)d days per request.") % {"days": self.max_days}]}
                )
        return attrs
