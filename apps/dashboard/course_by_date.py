"""The patient's course per local date: the one read model behind `GET patients/{id}/timeline/`
(apps.dashboard.api.views.TimelineView) and the web patient page (apps.dashboard.course).

A read model of the top layer: it reads the record apps (check-ins, exercise sessions and plan
items, flags, the clinical course) and merges them in memory into one ``CourseDay`` per local
date. It runs a fixed number of queries whatever the range and the number of records: for the
timeline, check-ins, episodes (with which kinds of record each has in the range), plan items
in force and sessions (apps.dashboard.course_reads: only the columns rendered, all episodes at
once), and per episode one for each kind of flag or clinical record it has in the range.

Two scopes, one shape (``CourseByDate``):

- ``patient_course_by_date``: every record of the patient from ``date_from`` to ``date_to``,
  across the episodes overlapping the range (the timeline);
- ``episode_course_by_date``: one episode from ``date_from`` to ``date_to``, stretched to its
  latest check-in, with all its flags (the patient page's charts; no exercise records, the page
  draws adherence per week).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.checkins.selectors import checkins_in_range, checkins_of_episode
from apps.core.timezones import local_today
from apps.dashboard.course_clinical import ClinicalCourse, clinical_course, records_in_range
from apps.dashboard.course_reads import (
    PlanItemInForce,
    SessionDone,
    items_in_force_by_date,
    sessions_by_date,
)
from apps.episodes.models import Episode, EpisodeStatus
from apps.flags.models import Flag
from apps.flags.selectors import flags_opened_by_date

#: The timeline's default range (the last 30 local dates) and its longest.
DEFAULT_DAYS = 30
MAX_DAYS = 400


@dataclass(frozen=True)
class CourseDay:
    """One local date of the course: its check-in (or None), the exercise sessions done, the
    plan items in force, and the flags first met on it (``opened_for_date``)."""

    date: dt.date
    checkin: CheckIn | None = None
    sessions_done: list[SessionDone] = field(default_factory=list)
    sessions_prescribed: list[PlanItemInForce] = field(default_factory=list)
    flags_opened: list[Flag] = field(default_factory=list)
    # The clinical course (apps.dashboard.course_clinical): assessments measured, treatments
    # in force and imaging studies of the date.
    assessments: list[Any] = field(default_factory=list)
    treatments_in_force: list[Any] = field(default_factory=list)
    imaging: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class CourseByDate:
    """The course from ``date_from`` to ``date_to`` (inclusive): ``days`` oldest first, one per
    local date; ``checkins`` and ``flags`` the records read, oldest first."""

    date_from: dt.date
    date_to: dt.date
    episodes: list[Episode]
    days: list[CourseDay]
    checkins: list[CheckIn]
    flags: list[Flag]


def default_range(patient: Patient) -> tuple[dt.date, dt.date]:
    """The last 30 local dates of the patient, ending on their local today."""
    today = local_today(patient.timezone)
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


def _dates(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    return [
        date_from + dt.timedelta(days=offset) for offset in range((date_to - date_from).days + 1)
    ]


def _days(
    *,
    date_from: dt.date,
    date_to: dt.date,
    checkins: list[CheckIn],
    flags: list[Flag],
    done: Mapping[dt.date, list[Any]] | None = None,
    prescribed: Mapping[dt.date, list[Any]] | None = None,
    clinical: ClinicalCourse | None = None,
) -> list[CourseDay]:
    checkin_by_date: dict[dt.date, CheckIn] = {}
    for checkin in checkins:
        # With two episodes on one date (a backdated check-in of an earlier episode), the
        # later episode's check-in wins: it is the one the patient is living now.
        checkin_by_date[checkin.date] = checkin
    flags_by_date: dict[dt.date, list[Flag]] = defaultdict(list)
    for flag in flags:
        flags_by_date[flag.opened_for_date].append(flag)
    done, prescribed = done or {}, prescribed or {}
    clinical = clinical or ClinicalCourse()
    return [
        CourseDay(
            date=date,
            checkin=checkin_by_date.get(date),
            sessions_done=done.get(date, []),
            sessions_prescribed=prescribed.get(date, []),
            flags_opened=flags_by_date.get(date, []),
            assessments=clinical.assessments.get(date, []),
            treatments_in_force=clinical.treatments_in_force.get(date, []),
            imaging=clinical.imaging.get(date, []),
        )
        for date in _dates(date_from, date_to)
    ]


def _overlapping(patient: Patient, date_from: dt.date, date_to: dt.date) -> QuerySet[Episode]:
    return (
        Episode.objects.filter(
            Q(status=EpisodeStatus.ACTIVE) | Q(resolved_on__gte=date_from),
            patient=patient,
            symptom_onset_date__lte=date_to,
        )
    ).order_by("symptom_onset_date", "created_at")


def episodes_overlapping(
    *, patient: Patient, date_from: dt.date, date_to: dt.date
) -> list[Episode]:
    """The patient's episodes with days in the range (usually one). One query."""
    return list(_overlapping(patient, date_from, date_to))


def patient_course_by_date(
    *, patient: Patient, date_from: dt.date, date_to: dt.date
) -> CourseByDate:
    """Every local date from ``date_from`` to ``date_to``: the patient's check-in (any
    episode), and the sessions done, plan items in force, flags opened and clinical course of
    the episodes overlapping the range.

    Four queries whatever the range or the number of episodes (check-ins; the episodes, each
    with whether it has flags, assessments, treatments and imaging in the range; plan items
    in force; sessions), and per episode one for each of those four kinds it has in the range
    (a year's patient has assessments now and then, and flags, treatments and imaging rarely;
    a kind without records reads nothing more)."""
    checkins = list(checkins_in_range(patient_id=patient.id, date_from=date_from, date_to=date_to))
    episodes: list[Episode] = list(
        _overlapping(patient, date_from, date_to).annotate(
            **records_in_range(date_from=date_from, date_to=date_to)
        )
    )
    prescribed = items_in_force_by_date(episodes=episodes, date_from=date_from, date_to=date_to)
    in_force = {item.id: item for items in prescribed.values() for item in items}
    done = sessions_by_date(episodes=episodes, date_from=date_from, date_to=date_to, items=in_force)
    flags: list[Flag] = []
    for episode in episodes:
        if getattr(episode, "has_flags", True):
            opened = flags_opened_by_date(episode=episode, date_from=date_from, date_to=date_to)
            for date_flags in opened.values():
                flags.extend(date_flags)
    days = _days(
        date_from=date_from,
        date_to=date_to,
        checkins=checkins,
        flags=flags,
        done=done,
        prescribed=prescribed,
        clinical=clinical_course(episodes, date_from=date_from, date_to=date_to),
    )
    return CourseByDate(
        date_from=date_from,
        date_to=date_to,
        episodes=episodes,
        days=days,
        checkins=checkins,
        flags=flags,
    )


def episode_course_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> CourseByDate:
    """The episode's check-ins and flags, one entry per local date from ``date_from`` to
    ``date_to`` - or to its latest check-in when that is later (a check-in can predate a
    resolution date the care team moved back; it is shown). ``flags`` are all the episode's
    flags, by the date first met. Two queries."""
    checkins = list(checkins_of_episode(episode))
    if checkins:
        date_to = max(date_to, checkins[-1].date)
    flags = list(
        Flag.objects.filter(episode=episode)
        .select_related("acknowledged_by")
        .order_by("opened_for_date", "opened_at")
    )
    days = _days(date_from=date_from, date_to=date_to, checkins=checkins, flags=flags)
    return CourseByDate(
        date_from=date_from,
        date_to=date_to,
        episodes=[episode],
        days=days,
        checkins=checkins,
        flags=flags,
    )
