"""Writes about reminders: settings, schedules, and claiming due reminders.

The minute tick claims due schedule rows (``select_for_update(skip_locked=True)`` where the
database has it, and always a conditional UPDATE on ``next_due_at`` as the claim), writes
the unique delivery row for (patient, kind, local date), hands what should go out to the
notification service, and advances the row from the local wall-clock rule.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import Patient
from apps.checkins.selectors import has_checkin_on, last_checkin_dates
from apps.notifications.models import NotificationStatus
from apps.notifications.selectors import preference_for
from apps.notifications.services import UNSET, notify, preference_update
from apps.notifications.timing import local_date_of, quiet_hours_end_after
from apps.reminders.conf import reminder_config
from apps.reminders.models import (
    ReminderDelivery,
    ReminderKind,
    ReminderOutcome,
    ReminderSchedule,
    ReminderSettings,
)
from apps.reminders.rules import next_occurrence
from apps.reminders.selectors import patient_may_be_reminded, reminder_settings_for

logger = logging.getLogger(__name__)

# Plain words, nothing about the patient's health: these show on a lock screen.
MESSAGES: dict[str, tuple[str, str]] = {
    ReminderKind.CHECKIN: (
        "Time for your daily check-in",
        "It takes a minute and helps your physiotherapist follow your recovery.",
    ),
    ReminderKind.CHECKIN_FOLLOWUP: (
        "Today's check-in is still open",
        "If you have a minute, record how your hip is today.",
    ),
    ReminderKind.EXERCISE: (
        "Time for your exercises",
        "Your exercise plan for today is in the app.",
    ),
    ReminderKind.WE_MISS_YOU: (
        "We miss you",
        "We have not heard from you for a few days. A quick check-in helps your care team.",
    ),
}

_WALL_CLOCK_KINDS = (ReminderKind.CHECKIN, ReminderKind.EXERCISE)


def _wall_time(settings: ReminderSettings, kind: str) -> dt.time | None:
    return settings.checkin_time if kind == ReminderKind.CHECKIN else settings.exercise_time


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
) -> ReminderSettings:
    """Replace a patient's reminder settings (PUT me/reminders/) and recompute when the
    next reminders are due. ``phone_number`` omitted keeps the stored one."""
    with transaction.atomic():
        preference_update(
            user=patient.user,
            channels=channels,
            quiet_hours_start=quiet_hours_start,
            quiet_hours_end=quiet_hours_end,
            phone_number=phone_number,
        )
        settings, _ = ReminderSettings.objects.update_or_create(
            patient=patient,
            defaults={
                "checkin_time": checkin_time,
                "exercise_time": exercise_time,
                "enabled": enabled,
            },
        )
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
        for kind in (*_WALL_CLOCK_KINDS, ReminderKind.CHECKIN_FOLLOWUP):
            row = existing.get(kind) or ReminderSchedule(patient=patient, kind=kind)
            if kind == ReminderKind.CHECKIN_FOLLOWUP:
                # A follow-up is relative to a reminder already sent: it keeps its instant.
                if not allowed:
                    row.next_due_at, row.local_date = None, None
            else:
                wall_time = _wall_time(settings, kind)
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
        reminder_schedules_recompute(patient=patient)
        count += 1
    return count


@dataclass
class ClaimResult:
    claimed: int = 0
    notified: int = 0
    skipped: int = 0
    deferred: int = 0


def reminders_claim_due(*, now: dt.datetime | None = None) -> ClaimResult:
    """The minute tick: claim due schedule rows in batches and handle each once."""
    now = now or timezone.now()
    config = reminder_config()
    reminder_schedules_ensure()
    result = ClaimResult()
    for _ in range(config.claim_max_batches):
        with transaction.atomic():
            rows = list(
                ReminderSchedule.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("patient__user")
                .filter(next_due_at__lte=now)
                .order_by("next_due_at")[: config.claim_batch_size]
            )
            for row in rows:
                _handle_due(row, now=now, result=result)
        if len(rows) < config.claim_batch_size:
            break
    return result


def _handle_due(row: ReminderSchedule, *, now: dt.datetime, result: ClaimResult) -> None:
    config = reminder_config()
    patient = row.patient
    due, day = row.next_due_at, row.local_date
    settings = reminder_settings_for(patient)
    allowed = patient_may_be_reminded(patient, settings)
    stale = now - due > config.stale_after

    if allowed and not stale:
        preference = preference_for(patient.user)
        quiet_end = quiet_hours_end_after(
            max(now, due),
            start=preference.quiet_hours_start,
            end=preference.quiet_hours_end,
            tz_name=patient.timezone,
        )
        if quiet_end is not None and not (
            # A follow-up pushed past its own day has lost its point: skip it instead.
            row.kind == ReminderKind.CHECKIN_FOLLOWUP
            and local_date_of(quiet_end, patient.timezone) > day
        ):
            # Quiet hours: the same reminder (same local date) moves to their end.
            if ReminderSchedule.objects.filter(pk=row.pk, next_due_at=due).update(
                next_due_at=quiet_end
            ):
                result.deferred += 1
            return
        quiet_skip = quiet_end is not None
    else:
        quiet_skip = False

    # Advance from the local rule: the first later local date whose wall time is still ahead.
    next_day: dt.date | None = None
    next_at: dt.datetime | None = None
    wall_time = _wall_time(settings, row.kind) if row.kind in _WALL_CLOCK_KINDS else None
    if allowed and wall_time is not None:
        next_day, next_at = next_occurrence(
            wall_time=wall_time,
            tz_name=patient.timezone,
            after=max(now, due),
            not_before=day + dt.timedelta(days=1),
        )
    # The claim: only the caller that moves next_due_at from the value it read handles it.
    if not ReminderSchedule.objects.filter(pk=row.pk, next_due_at=due).update(
        next_due_at=next_at, local_date=next_day
    ):
        return
    result.claimed += 1
    try:
        with transaction.atomic():
            delivery = ReminderDelivery.objects.create(
                patient=patient,
                kind=row.kind,
                local_date=day,
                due_at=due,
                outcome=ReminderOutcome.SKIPPED,
            )
    except IntegrityError:
        # Already handled for this date (a second beat, a recomputed schedule): never twice.
        return

    if not allowed:
        reason = "reminders_off"
    elif stale:
        reason = "stale"
    elif quiet_skip:
        reason = "quiet_hours"
    elif row.kind in (
        ReminderKind.CHECKIN,
        ReminderKind.CHECKIN_FOLLOWUP,
    ) and has_checkin_on(patient_id=patient.pk, date=day):
        reason = "checked_in"
    else:
        reason = ""
    if reason:
        _record(delivery, result, reason=reason)
        return

    kind = row.kind
    if kind == ReminderKind.CHECKIN and _misses_the_patient(patient, day):
        _record(delivery, result, reason="replaced_by_we_miss_you")
        try:
            with transaction.atomic():
                delivery = ReminderDelivery.objects.create(
                    patient=patient,
                    kind=ReminderKind.WE_MISS_YOU,
                    local_date=day,
                    due_at=due,
                    outcome=ReminderOutcome.SKIPPED,
                )
        except IntegrityError:
            return
        kind = ReminderKind.WE_MISS_YOU

    title, body = MESSAGES[kind]
    notification = notify(
        recipient=patient.user,
        kind=f"reminder.{kind}",
        title=title,
        body=body,
        dedup_key=f"reminder:{patient.pk}:{kind}:{day.isoformat()}",
        data={"reminder": str(kind), "date": day.isoformat()},
        expires_at=due + config.stale_after,
    )
    delivery.notification = notification
    if notification.status == NotificationStatus.SKIPPED:
        _record(delivery, result, reason=notification.status_reason or "skipped")
        return
    delivery.outcome = ReminderOutcome.NOTIFIED
    delivery.save(update_fields=["outcome", "notification"])
    result.notified += 1
    if kind == ReminderKind.CHECKIN:
        ReminderSchedule.objects.update_or_create(
            patient=patient,
            kind=ReminderKind.CHECKIN_FOLLOWUP,
            defaults={"next_due_at": due + config.followup_after, "local_date": day},
        )


def _record(delivery: ReminderDelivery, result: ClaimResult, *, reason: str) -> None:
    delivery.outcome = ReminderOutcome.SKIPPED
    delivery.reason = reason
    delivery.save(update_fields=["outcome", "reason", "notification"])
    result.skipped += 1


def _misses_the_patient(patient: Patient, day: dt.date) -> bool:
    """No check-in on the N local dates before ``day`` (counting from activation for a new
    patient), and no "we miss you" yet since the last check-in: once per absence."""
    days = reminder_config().we_miss_you_after_days
    last = last_checkin_dates([patient.pk]).get(patient.pk)
    if last is None:
        activated = local_date_of(patient.activated_at, patient.timezone)
        if activated > day - dt.timedelta(days=days):
            return False
        since = activated
    else:
        if last >= day - dt.timedelta(days=days):
            return False
        since = last + dt.timedelta(days=1)
    return not ReminderDelivery.objects.filter(
        patient=patient,
        kind=ReminderKind.WE_MISS_YOU,
        outcome=ReminderOutcome.NOTIFIED,
        local_date__gte=since,
    ).exists()
