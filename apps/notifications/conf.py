"""Notification settings with their defaults, read at call time so tests and operators can
override any of them through ``settings.NOTIFICATIONS`` (see docs/notifications.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

DEFAULTS: dict[str, object] = {
    # At most this many normal-priority notifications per patient per local day.
    "DAILY_BUDGET": 3,
    # Quiet hours a patient gets until they choose their own (local wall-clock "HH:MM").
    "DEFAULT_QUIET_HOURS_START": "23:00",
    "DEFAULT_QUIET_HOURS_END": "07:00",
    "DEFAULT_PATIENT_CHANNELS": ["push"],
    "DEFAULT_STAFF_CHANNELS": ["email", "push"],
    # Retries of transient provider errors: backoff * 2**n seconds, capped, at most n times.
    "RETRY_BACKOFF_SECONDS": 30,
    "RETRY_BACKOFF_MAX_SECONDS": 600,
    "MAX_RETRIES": 5,
    # A pending notification whose task was published this long ago without running (lost
    # message, broker outage) is published again by the sweep; longer than the backoff cap.
    "REDISPATCH_AFTER_SECONDS": 900,
    # A notification claimed this long ago and still "sending" lost its worker mid-send: it is
    # marked failed, never re-sent (it may have gone out; a duplicate is worse than a miss).
    "SENDING_LEASE_SECONDS": 900,
    "HTTP_TIMEOUT_SECONDS": 10,
    # Notifications per delivery task when many are stored at once (notify_many).
    "DELIVERY_BATCH_SIZE": 100,
}


@dataclass(frozen=True)
class NotificationSettings:
    daily_budget: int
    default_quiet_hours_start: dt.time | None
    default_quiet_hours_end: dt.time | None
    default_patient_channels: tuple[str, ...]
    default_staff_channels: tuple[str, ...]
    retry_backoff_seconds: float
    retry_backoff_max_seconds: float
    max_retries: int
    redispatch_after: dt.timedelta
    sending_lease: dt.timedelta
    http_timeout_seconds: float
    delivery_batch_size: int


def _time(value: object) -> dt.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.time):
        return value
    return dt.time.fromisoformat(str(value))


def notification_settings() -> NotificationSettings:
    merged = {**DEFAULTS, **getattr(settings, "NOTIFICATIONS", {})}
    return NotificationSettings(
        daily_budget=int(merged["DAILY_BUDGET"]),
        default_quiet_hours_start=_time(merged["DEFAULT_QUIET_HOURS_START"]),
        default_quiet_hours_end=_time(merged["DEFAULT_QUIET_HOURS_END"]),
        default_patient_channels=tuple(merged["DEFAULT_PATIENT_CHANNELS"]),
        default_staff_channels=tuple(merged["DEFAULT_STAFF_CHANNELS"]),
        retry_backoff_seconds=float(merged["RETRY_BACKOFF_SECONDS"]),
        retry_backoff_max_seconds=float(merged["RETRY_BACKOFF_MAX_SECONDS"]),
        max_retries=int(merged["MAX_RETRIES"]),
        redispatch_after=dt.timedelta(seconds=float(merged["REDISPATCH_AFTER_SECONDS"])),
        sending_lease=dt.timedelta(seconds=float(merged["SENDING_LEASE_SECONDS"])),
        http_timeout_seconds=float(merged["HTTP_TIMEOUT_SECONDS"]),
        delivery_batch_size=max(1, int(merged["DELIVERY_BATCH_SIZE"])),
    )
