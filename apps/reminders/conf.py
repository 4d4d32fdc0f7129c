"""Reminder settings with their defaults; override any in ``settings.REMINDERS``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings

DEFAULTS: dict[str, object] = {
    "DEFAULT_CHECKIN_TIME": "19:00",
    # A reminder found this late (after an outage) is recorded as skipped, not sent.
    "STALE_AFTER_MINUTES": 120,
    # One follow-up this long after the check-in reminder if the check-in is still missing.
    "FOLLOWUP_AFTER_MINUTES": 180,
    # "We miss you" when no check-in exists for this many local dates before today.
    "WE_MISS_YOU_AFTER_DAYS": 3,
    # Due rows claimed (and decided, written, handed to notify_many) per transaction.
    "CLAIM_BATCH_SIZE": 500,
    # A tick stops after this many batches, or after this many seconds once a batch is done,
    # and enqueues the next tick at once if rows may still be due.
    "CLAIM_MAX_BATCHES": 20,
    "CLAIM_MAX_SECONDS": 30,
    # Activated patients without schedules get default ones, this many per tick.
    "ENSURE_BATCH_SIZE": 500,
}


@dataclass(frozen=True)
class ReminderConfig:
    default_checkin_time: dt.time
    stale_after: dt.timedelta
    followup_after: dt.timedelta
    we_miss_you_after_days: int
    claim_batch_size: int
    claim_max_batches: int
    claim_max_seconds: float
    ensure_batch_size: int


def reminder_config() -> ReminderConfig:
    merged = {**DEFAULTS, **getattr(settings, "REMINDERS", {})}
    return ReminderConfig(
        default_checkin_time=dt.time.fromisoformat(str(merged["DEFAULT_CHECKIN_TIME"])),
        stale_after=dt.timedelta(minutes=float(merged["STALE_AFTER_MINUTES"])),
        followup_after=dt.timedelta(minutes=float(merged["FOLLOWUP_AFTER_MINUTES"])),
        we_miss_you_after_days=int(merged["WE_MISS_YOU_AFTER_DAYS"]),
        claim_batch_size=int(merged["CLAIM_BATCH_SIZE"]),
        claim_max_batches=int(merged["CLAIM_MAX_BATCHES"]),
        claim_max_seconds=float(merged["CLAIM_MAX_SECONDS"]),
        ensure_batch_size=int(merged["ENSURE_BATCH_SIZE"]),
    )
