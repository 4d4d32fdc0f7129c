"""How one due reminder row is decided at its due instant (docs/notifications.md, "Rules at
the due instant"): the facts a batch reads, the decision for each row and why it is skipped.
Used by the minute tick (apps/reminders/claim.py).

The module's API: ``read_batch_facts(rows) -> BatchFacts`` (a few queries for the whole
batch), ``decide(row, facts, *, now, config) -> Decision`` (pure over the facts, except a
check-in on an earlier date, which it reads), ``CHECKIN_KINDS`` / ``DAILY_CHECKIN_KINDS``,
``WALL_CLOCK_KINDS`` and ``wall_time_of``; ``patients_after_resolution(patient_ids)``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q

from apps.accounts.models import Patient
from apps.checkins.selectors import has_checkin_on, last_checkin_dates
from apps.core.timezones import local_date_of, quiet_hours_end_after
from apps.episodes.models import Episode, EpisodeStatus
from apps.notifications.models import NotificationPreference
from apps.notifications.selectors import preferences_of
from apps.reminders.conf import ReminderConfig
from apps.reminders.models import (
    ReminderDelivery,
    ReminderKind,
    ReminderOutcome,
    ReminderSchedule,
    ReminderSettings,
)
from apps.reminders.questionnaires import questionnaire_reminder_days
from apps.reminders.rules import next_occurrence
from apps.reminders.selectors import patients_may_be_reminded, reminder_settings_of

__all__ = [
    "CHECKIN_KINDS",
    "DAILY_CHECKIN_KINDS",
    "WALL_CLOCK_KINDS",
    "BatchFacts",
    "Decision",
    "decide",
    "patients_after_resolution",
    "read_batch_facts",
    "wall_time_of",
]

WALL_CLOCK_KINDS = (ReminderKind.CHECKIN, ReminderKind.EXERCISE)
CHECKIN_KINDS = (ReminderKind.CHECKIN, ReminderKind.CHECKIN_FOLLOWUP)
#: The reminders that ask for a daily check-in: they stop once the episode is resolved, unless
#: the patient asked for them (``ReminderSettings.checkins_after_resolution``).
DAILY_CHECKIN_KINDS = (*CHECKIN_KINDS, ReminderKind.WE_MISS_YOU)


def wall_time_of(settings: ReminderSettings, kind: str) -> dt.time | None:
    return settings.checkin_time if kind == ReminderKind.CHECKIN else settings.exercise_time


def patients_after_resolution(patient_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``patient_ids`` whose episodes are all resolved (at least one, none active):
    their course is over and daily check-ins are no longer asked for. One query."""
    rows = (
        Episode.objects.filter(patient_id__in=list(patient_ids))
        .order_by()
        .values("patient_id")
        .annotate(
            active=Count("pk", filter=~Q(status=EpisodeStatus.RESOLVED)),
            resolved=Count("pk", filter=Q(status=EpisodeStatus.RESOLVED)),
        )
        .filter(active=0, resolved__gt=0)
        .values_list("patient_id", flat=True)
    )
    return set(rows)


@dataclass
class BatchFacts:
    """What the rules need about the patients of one batch, read in a few queries."""

    settings: dict[uuid.UUID, ReminderSettings]
    allowed: set[uuid.UUID]
    preferences: dict[uuid.UUID, NotificationPreference]
    last_checkin: dict[uuid.UUID, dt.date]
    last_we_miss_you: dict[uuid.UUID, dt.date]
    #: Patients whose episodes are all resolved and who did not ask for check-in reminders.
    resolved: set[uuid.UUID] = field(default_factory=set)
    #: Patient id -> the local dates this batch reminds their due questionnaires on.
    questionnaire_days: dict[uuid.UUID, set[dt.date]] = field(default_factory=dict)

    def checked_in_on(self, patient_id: uuid.UUID, day: dt.date) -> bool:
        last = self.last_checkin.get(patient_id)
        if last is None or last < day:
            return False
        if last == day:
            return True
        # A later check-in says nothing about this date (a reminder deferred past midnight).
        return has_checkin_on(patient_id=patient_id, date=day)


def read_batch_facts(rows: list[ReminderSchedule]) -> BatchFacts:
    """What the rules need about the patients of one batch of due rows, in a few queries."""
    patients = list({row.patient_id: row.patient for row in rows}.values())
    settings = reminder_settings_of(patients)
    allowed = patients_may_be_reminded(patients, settings)
    checkin_patients = (
        [p.pk for p in patients if p.pk in allowed]
        if any(row.kind in CHECKIN_KINDS for row in rows)
        else []
    )
    last_we_miss_you: dict[uuid.UUID, dt.date] = {}
    if any(row.kind == ReminderKind.CHECKIN for row in rows):
        last_we_miss_you = dict(
            ReminderDelivery.objects.filter(
                patient_id__in=checkin_patients,
                kind=ReminderKind.WE_MISS_YOU,
                outcome=ReminderOutcome.NOTIFIED,
            )
            .values("patient_id")
            .annotate(last=Max("local_date"))
            .values_list("patient_id", "last")
        )
    resolved = set()
    if checkin_patients:
        resolved = {
            pk
            for pk in patients_after_resolution(checkin_patients)
            if not settings[pk].checkins_after_resolution
        }
    questionnaire_patients = [
        row.patient
        for row in rows
        if row.kind == ReminderKind.CHECKIN and row.patient_id in allowed
    ]
    return BatchFacts(
        resolved=resolved,
        settings=settings,
        allowed=allowed,
        preferences=preferences_of(p.user for p in patients),
        last_checkin=last_checkin_dates(checkin_patients) if checkin_patients else {},
        last_we_miss_you=last_we_miss_you,
        questionnaire_days=questionnaire_reminder_days(questionnaire_patients),
    )


@dataclass
class Decision:
    """What to do with one due row."""

    row: ReminderSchedule
    due: dt.datetime
    day: dt.date
    defer_to: dt.datetime | None = None
    next_at: dt.datetime | None = None
    next_day: dt.date | None = None
    # Why it is skipped ("" = it goes out), and the kind that goes out.
    reason: str = ""
    send_kind: str = ""
    delivery: ReminderDelivery | None = field(default=None, repr=False)

    @property
    def claimed(self) -> ReminderDelivery:
        """The delivery row of a decision that has one (set by ``_insert_deliveries``)."""
        if self.delivery is None:
            raise LookupError("This decision has no delivery row.")
        return self.delivery

    @property
    def patient(self) -> Patient:
        return self.row.patient


def decide(
    row: ReminderSchedule, facts: BatchFacts, *, now: dt.datetime, config: ReminderConfig
) -> Decision:
    """The rules at the due instant (docs/notifications.md, "Rules at the due instant")."""
    patient = row.patient
    if row.next_due_at is None or row.local_date is None:  # claimed rows are due on a date
        raise ValueError("A claimed reminder row has no due instant.")
    decision = Decision(row=row, due=row.next_due_at, day=row.local_date, send_kind=row.kind)
    allowed = patient.pk in facts.allowed
    stale = now - decision.due > config.stale_after
    quiet_end = _quiet_hours_end(decision, facts, now=now) if allowed and not stale else None
    if quiet_end is not None and _moves_to_quiet_end(decision, quiet_end):
        # Quiet hours: the same reminder (same local date) moves to their end.
        decision.defer_to = quiet_end
        return decision
    _set_next_occurrence(decision, facts, now=now, allowed=allowed)
    decision.reason = _skip_reason(
        decision, facts, allowed=allowed, stale=stale, quiet=quiet_end is not None, config=config
    )
    if decision.reason == "replaced_by_we_miss_you":
        decision.send_kind = ReminderKind.WE_MISS_YOU
    return decision


def _quiet_hours_end(
    decision: Decision, facts: BatchFacts, *, now: dt.datetime
) -> dt.datetime | None:
    """The end of the patient's quiet hours when the reminder would go out inside them."""
    patient = decision.row.patient
    preference = facts.preferences[patient.user_id]
    return quiet_hours_end_after(
        max(now, decision.due),
        start=preference.quiet_hours_start,
        end=preference.quiet_hours_end,
        tz_name=patient.timezone,
    )


def _moves_to_quiet_end(decision: Decision, quiet_end: dt.datetime) -> bool:
    """A reminder inside quiet hours moves to their end, except a follow-up pushed past its
    own day: it has lost its point, and is skipped instead."""
    row = decision.row
    return not (
        row.kind == ReminderKind.CHECKIN_FOLLOWUP
        and local_date_of(quiet_end, row.patient.timezone) > decision.day
    )


def _set_next_occurrence(
    decision: Decision, facts: BatchFacts, *, now: dt.datetime, allowed: bool
) -> None:
    """Advance from the local rule: the first later local date whose wall time is still
    ahead (rows of a wall-clock kind, for a patient whose reminders are on)."""
    row = decision.row
    patient = row.patient
    settings = facts.settings[patient.pk]
    wall_time = wall_time_of(settings, row.kind) if row.kind in WALL_CLOCK_KINDS else None
    if allowed and wall_time is not None:
        decision.next_day, decision.next_at = next_occurrence(
            wall_time=wall_time,
            tz_name=patient.timezone,
            after=max(now, decision.due),
            not_before=decision.day + dt.timedelta(days=1),
        )


def _skip_reason(
    decision: Decision,
    facts: BatchFacts,
    *,
    allowed: bool,
    stale: bool,
    quiet: bool,
    config: ReminderConfig,
) -> str:
    """Why the reminder is skipped ("": it goes out), the first that holds of the ordered
    table of reasons of docs/notifications.md."""
    row, day = decision.row, decision.day
    patient = row.patient
    if not allowed:
        return "reminders_off"
    if stale:
        return "stale"
    if quiet:
        return "quiet_hours"
    if row.kind in DAILY_CHECKIN_KINDS and patient.pk in facts.resolved:
        # After the stale and quiet-hours checks: the row still carries the monthly joint
        # check's reminder (questionnaires_alongside), which must keep the quiet hours.
        return "episode_resolved"
    if row.kind in CHECKIN_KINDS and facts.checked_in_on(patient.pk, day):
        return "checked_in"
    if row.kind == ReminderKind.CHECKIN and _misses_the_patient(
        patient, day, facts, days=config.we_miss_you_after_days
    ):
        return "replaced_by_we_miss_you"
    return ""


def _misses_the_patient(patient: Patient, day: dt.date, facts: BatchFacts, *, days: int) -> bool:
    """No check-in on the N local dates before ``day`` (counting from activation for a new
    patient), and no "we miss you" yet since the last check-in: once per absence."""
    last = facts.last_checkin.get(patient.pk)
    if last is None:
        if patient.activated_at is None:  # never signed in: nothing to miss yet
            return False
        activated = local_date_of(patient.activated_at, patient.timezone)
        if activated > day - dt.timedelta(days=days):
            return False
        since = activated
    else:
        if last >= day - dt.timedelta(days=days):
            return False
        since = last + dt.timedelta(days=1)
    last_sent = facts.last_we_miss_you.get(patient.pk)
    return last_sent is None or last_sent < since
