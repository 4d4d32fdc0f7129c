"""Writes about reminders: settings, schedules, and the minute tick that claims due
reminders (its batches are in ``apps.reminders.claim``)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Patient
from apps.core.timezones import local_date_of
from apps.notifications.services import UNSET, preference_update
from apps.reminders.claim import ClaimResult, due_reminders_claim
from apps.reminders.conf import reminder_config
from apps.reminders.decisions import WALL_CLOCK_KINDS, wall_time_of
from apps.reminders.models import ReminderDelivery, ReminderKind, ReminderSchedule, ReminderSettings
from apps.reminders.rules import next_occurrence
from apps.reminders.selectors import patient_may_be_reminded, reminder_settings_for

logger = logging.getLogger(__name__)


def reminder_settings_update(
    *,
    patient: Patient,
    checkin_time: dt.time,
    enabled: bool,
    channels: list[str],
    exercise_time: dt.time | None = None,
    quiet_hours_start: dt.time | None = None,
    quiet_hours_end: dt.time | None = None,
    phone_number: str = UNSET,
    checkins_after_resolution: bool | None = None,
) -> ReminderSettings:
    """Replace a patient's reminder settings (PUT me/reminders/) and recompute when the
    next reminders are due. ``phone_number`` and ``checkins_after_resolution`` omitted keep
    the stored values."""
    with transaction.atomic():
        preference_update(
            user=patient.user,
            channels=channels,
            quiet_hours_start=quiet_hours_start,
            quiet_hours_end=quiet_hours_end,
            phone_number=phone_number,
        )
        defaults: dict[str, object] = {
            "checkin_time": checkin_time,
            "exercise_time": exercise_time,
            "enabled": enabled,
        }
        if checkins_after_resolution is not None:
            defaults["checkins_after_resolution"] = checkins_after_resolution
        settings, _ = ReminderSettings.objects.update_or_create(patient=patient, defaults=defaults)
        reminder_schedules_recompute(patient=patient)
    return settings


def reminder_schedules_recompute(*, patient: Patient, now: dt.datetime | None = None) -> None:
    """Set each schedule's next due instant from the patient's settings and current time
    zone (called when either changes). Dates already reminded are not reminded again: after
    a flight west, today's reminder that went out in the old zone is not repeated."""
    now = now or timezone.now()
    with transaction.atomic():
        settings = reminder_settings_for(patient)
        allowed = patient_may_be_reminded(patient, settings)
        existing = {
            row.kind: row
            for row in ReminderSchedule.objects.select_for_update().filter(patient=patient)
        }
        if not existing and patient.activated_at is None:
            # Not enrolled yet: the tick gives them schedules once they activate.
            return
        for kind in (*WALL_CLOCK_KINDS, ReminderKind.CHECKIN_FOLLOWUP):
            row = existing.get(kind) or ReminderSchedule(patient=patient, kind=kind)
            if kind == ReminderKind.CHECKIN_FOLLOWUP:
                # A follow-up is relative to a reminder already sent: it keeps its instant.
                if not allowed:
                    row.next_due_at, row.local_date = None, None
            else:
                wall_time = wall_time_of(settings, kind)
                if not allowed or wall_time is None:
                    row.next_due_at, row.local_date = None, None
                else:
                    today = local_date_of(now, patient.timezone)
                    taken = frozenset(
                        ReminderDelivery.objects.filter(
                            patient=patient, kind=kind, local_date__gte=today
                        ).values_list("local_date", flat=True)
                    )
                    row.local_date, row.next_due_at = next_occurrence(
                        wall_time=wall_time, tz_name=patient.timezone, after=now, taken=taken
                    )
            row.save()


def reminder_schedules_follow(patient: Patient) -> None:
    """The listener of ``apps.accounts.hooks.patient_time_zone_changed`` and
    ``apps.consent.hooks.consent_decided`` (registered in ``RemindersConfig.ready()``): the
    patient's schedules follow a new time zone or consent decision, inside its transaction."""
    reminder_schedules_recompute(patient=patient)


def reminder_schedules_ensure(*, limit: int | None = None) -> int:
    """Give activated patients who have no schedules yet their default ones (a query for the
    missing ones only, bounded per tick)."""
    limit = limit or reminder_config().ensure_batch_size
    missing = (
        Patient.objects.select_related("user")
        .filter(activated_at__isnull=False, user__is_active=True)
        .exclude(reminder_schedules__kind=ReminderKind.CHECKIN)
        .order_by("activated_at")[:limit]
    )
    count = 0
    for patient in missing:
        try:
            reminder_schedules_recompute(patient=patient)
        except IntegrityError:
            # A tick running at the same time gave them their schedules first.
            continue
        count += 1
    return count


def reminders_claim_due(*, now: dt.datetime | None = None) -> ClaimResult:
    """The minute tick: give new patients their schedules, then claim due reminders in
    set-based batches and handle each once (``apps.reminders.claim``)."""
    now = now or timezone.now()
    reminder_schedules_ensure()
    return due_reminders_claim(now=now)
