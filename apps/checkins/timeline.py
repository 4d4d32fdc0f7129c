"""`GET patients/{id}/timeline/`: one entry per local date, built in a fixed number of
queries whatever the range (one per source: check-ins, episodes, and per episode overlapping
the range - almost always one - exercise sessions, prescriptions and flags), then merged in
memory."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.checkins.selectors import checkins_in_range
from apps.core.timezones import local_today
from apps.episodes.models import Episode, EpisodeStatus

DEFAULT_DAYS = 30
MAX_DAYS = 400


def default_range(patient: Patient) -> tuple[dt.date, dt.date]:
    """The last 30 local dates of the patient, ending on their local today."""
    today = local_today(patient.timezone)
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def patient_timeline(
    *, patient: Patient, date_from: dt.date, date_to: dt.date
) -> list[dict[str, Any]]:
    """Entries for every local date from ``date_from`` to ``date_to`` (inclusive), oldest
    first: the check-in (or None), sessions done, sessions prescribed, flags opened."""
    days = (date_to - date_from).days + 1
    dates = [date_from + dt.timedelta(days=offset) for offset in range(days)]

    checkin_by_date: dict[dt.date, CheckIn] = {}
    for checkin in checkins_in_range(patient_id=patient.id, date_from=date_from, date_to=date_to):
        # With two episodes on one date (a backdated check-in of an earlier episode), the
        # later episode's check-in wins: it is the one the patient is living now.
        checkin_by_date[checkin.date] = checkin

    episodes = _episodes_overlapping(patient=patient, date_from=date_from, date_to=date_to)
    sessions_done, sessions_prescribed = _exercise_days(
        episodes=episodes, date_from=date_from, date_to=date_to
    )
    flags_opened = _flags_by_date(episodes=episodes, date_from=date_from, date_to=date_to)
    return [
        {
            "date": date,
            "checkin": checkin_by_date.get(date),
            "sessions_done": sessions_done.get(date, []),
            "sessions_prescribed": sessions_prescribed.get(date, []),
            "flags_opened": flags_opened.get(date, []),
        }
        for date in dates
    ]


def _episodes_overlapping(
    *, patient: Patient, date_from: dt.date, date_to: dt.date
) -> list[Episode]:
    """The patient's episodes with days in the range (usually one). One query."""
    return list(
        Episode.objects.filter(patient=patient, symptom_onset_date__lte=date_to)
        .filter(Q(status=EpisodeStatus.ACTIVE) | Q(resolved_on__gte=date_from))
        .order_by("symptom_onset_date", "created_at")
    )


def _exercise_days(
    *, episodes: list[Episode], date_from: dt.date, date_to: dt.date
) -> tuple[dict[dt.date, list[dict[str, Any]]], dict[dt.date, list[dict[str, Any]]]]:
    """Sessions done and plan items in force per date (apps.exercises selectors: one query
    each per episode)."""
    from apps.exercises.selectors import prescribed_by_date, sessions_done_by_date

    done: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    prescribed: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for episode in episodes:
        by_date = sessions_done_by_date(episode=episode, date_from=date_from, date_to=date_to)
        for date, sessions in by_date.items():
            done[date].extend(
                {
                    "id": session.id,
                    "plan_item": session.plan_item_id,
                    "exercise": session.plan_item.exercise.name,
                    "sets_done": session.sets_done,
                    "pain_during": session.pain_during,
                }
                for session in sessions
            )
        in_force = prescribed_by_date(episode=episode, date_from=date_from, date_to=date_to)
        for date, items in in_force.items():
            prescribed[date].extend(
                {
                    "plan_item": item.id,
                    "exercise": item.exercise.name,
                    "sets": item.sets,
                    "reps": item.reps,
                    "hold_seconds": item.hold_seconds,
                    "days_per_week": item.days_per_week,
                }
                for item in items
            )
    return done, prescribed


def _flags_by_date(
    *, episodes: list[Episode], date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[dict[str, Any]]]:
    """Flags first met on each date (apps.flags selector: one query per episode)."""
    from apps.flags.selectors import flags_opened_by_date

    opened: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for episode in episodes:
        by_date = flags_opened_by_date(episode=episode, date_from=date_from, date_to=date_to)
        for date, flags in by_date.items():
            opened[date].extend(
                {"id": flag.id, "rule": flag.rule, "severity": flag.severity, "status": flag.status}
                for flag in flags
            )
    return opened
