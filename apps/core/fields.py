"""Serializer fields shared by the apps' input serializers."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework import serializers


class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant that must carry its UTC offset: a naive time is ambiguous."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset (e.g. 2026-05-01T08:30:00+01:00).",
        "out_of_range": "Not a representable time.",
    }

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before datetime.min in UTC
            self.fail("out_of_range")
