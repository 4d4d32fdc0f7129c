"""`GET me/progress/`: where the patient is in their recovery (API.md, "Patient progress").

Everything is read in a fixed number of queries whatever the length of the record: the
dashboard's summary row of the patient (the same definitions of ``pain_7d_mean``,
``pain_7d_change``, ``adherence_7d`` and ``weeks_since_onset`` as `GET dashboard/patients/`),
the episode, its weekly means (one grouped query), the check-ins of the last 14 local dates
(one count), the expected course (cached by the dashboard), the open flags, the reminder
settings, whether today is checked in, the latest questionnaire scores (one query) and what
is due (five, apps.outcomes.due).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol, cast

from django.utils import timezone

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.checkins.selectors import has_checkin_on
from apps.core.timezones import local_instant, local_today
from apps.dashboard.course import episode_weekly_pain
from apps.dashboard.selectors import summary_for_patient
from apps.episodes.models import Episode, EpisodeStatus
from apps.flags.models import Flag
from apps.flags.rules import Severity, flag_patient_message
from apps.flags.selectors import open_flags_for_episode
from apps.progress import outcomes
from apps.progress.course import ExpectedPoint, expected_point
from apps.progress.messages import MessageFacts, progress_message
from apps.progress.phase import PhaseDecision, PhaseInputs, decide_phase
from apps.reminders.models import ReminderSettings
from apps.reminders.selectors import reminder_settings_for

_URGENT = (Severity.EMERGENCY, Severity.URGENT)


@dataclass(frozen=True)
class Progress:
    weeks_since_onset: int | None
    decision: PhaseDecision
    pain_7d_mean: float | None
    pain_7d_change: float | None
    adherence_7d: float | None
    latest_scores: list[dict[str, Any]]
    expected: ExpectedPoint | None
    message: str
    checkin_due_at: dt.datetime | None
    questionnaires_due: list[dict[str, Any]]

    @property
    def phase(self) -> str:
        return str(self.decision.phase)


def flag_advice(flag: Flag) -> str:
    """The flag's advice in the active language (`apps.flags.rules.flag_patient_message`)."""
    return flag_patient_message(
        rule_code=flag.rule, severity=flag.severity, stored=flag.patient_message
    )


def checkin_due_at(
    *,
    patient: Patient,
    settings: ReminderSettings,
    today: dt.date,
    checked_in_today: bool,
    resolved: bool,
) -> dt.datetime | None:
    """When the next daily check-in is due: today's check-in time in the patient's zone (even
    if past, until it is done), else tomorrow's. None after resolution unless the patient asked
    for check-in reminders to continue."""
    if resolved and not settings.checkins_after_resolution:
        return None
    day = today + dt.timedelta(days=1) if checked_in_today else today
    return local_instant(day, settings.checkin_time, patient.timezone)


class SummaryRow(Protocol):
    """The dashboard summary row's columns this reads (annotations on the Patient)."""

    weeks_since_onset: int | None
    pain_7d_mean: float | None
    pain_7d_change: float | None
    adherence_7d: float | None


def episode_of_summary(summary: object) -> Episode | None:
    episode_id = getattr(summary, "episode_id", None)
    return Episode.objects.filter(pk=episode_id).first() if episode_id else None


def patient_progress(patient: Patient, *, now: dt.datetime | None = None) -> Progress:
    """The patient's progress (see the module docstring)."""
    now = now or timezone.now()
    today = local_today(patient.timezone, now=now)
    summary = cast(SummaryRow, summary_for_patient(patient, now=now))
    episode = episode_of_summary(summary)
    week: int | None = summary.weeks_since_onset
    resolved = episode is not None and episode.status == EpisodeStatus.RESOLVED
    weekly = episode_weekly_pain(episode_id=episode.pk) if episode is not None else []
    recent = CheckIn.objects.filter(
        patient=patient, date__gte=today - dt.timedelta(days=13), date__lte=today
    ).count()
    expected = (
        expected_point(clinic_id=patient.care_team.clinic_id, week=week)
        if week is not None
        else None
    )
    decision = decide_phase(
        PhaseInputs(
            week=week,
            resolved=resolved,
            checkins_14d=recent,
            pain_7d_mean=summary.pain_7d_mean,
            pain_7d_change=summary.pain_7d_change,
            weekly_means=tuple(row.mean for row in weekly if week is None or row.week <= week),
            expected_peak_week=expected.peak_week if expected is not None else 8,
        )
    )
    flags = list(open_flags_for_episode(episode)) if episode is not None else []
    settings = reminder_settings_for(patient)
    urgent = tuple(flag_advice(flag) for flag in flags if flag.severity in _URGENT)
    due = outcomes.questionnaires_due(patient, now=now)
    message = progress_message(
        MessageFacts(
            week=week,
            decision=decision,
            expected=expected,
            pain_7d_mean=summary.pain_7d_mean,
            urgent_advice=urgent,
            other_open_flags=len(flags) - len(urgent),
            resolved_on=episode.resolved_on if episode is not None else None,
            checkins_after_resolution=settings.checkins_after_resolution,
            questionnaires_due=len(due),
            joint_check_due=any(d["instrument"] == outcomes.JOINT_CHECK for d in due),
        )
    )
    return Progress(
        weeks_since_onset=week,
        decision=decision,
        pain_7d_mean=summary.pain_7d_mean,
        pain_7d_change=summary.pain_7d_change,
        adherence_7d=summary.adherence_7d,
        latest_scores=outcomes.latest_scores(episode),
        expected=expected,
        message=message,
        checkin_due_at=checkin_due_at(
            patient=patient,
            settings=settings,
            today=today,
            checked_in_today=has_checkin_on(patient_id=patient.pk, date=today),
            resolved=resolved,
        ),
        questionnaires_due=due,
    )
