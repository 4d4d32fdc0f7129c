"""The frozen picture of one episode that the rules read (CLINICAL_RULES.md: Definitions).

A snapshot is plain data: no model instances, no database access. It is built once per
evaluation by `apps.flags.selectors.build_snapshots` and can be re-pointed at another
evaluated date with `for_date` without querying again, so an evaluation of many dates costs
the same fixed number of queries as one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.flags.snapshot_outcomes import ScoreData

from apps.exercises.adherence import adherence_ratio
from apps.flags.course_data import AssessmentData, TreatmentData

WALKING_AID_ORDER: tuple[str, ...] = ("none", "cane", "crutches", "walker", "wheelchair")


@dataclass(frozen=True)
class CheckInData:
    """The fields of one daily check-in that the rules read (local ``date``)."""

    date: dt.date
    pain_now: int
    pain_worst_24h: int
    pain_weight_bearing: int | None = None
    morning_stiffness_minutes: int = 0
    sleep_disturbed: bool = False
    daily_activities_affected: bool = False
    weight_bearing: str = "full"
    walking_aid: str = "none"
    limping: bool = False
    night_or_rest_pain: bool = False
    painful_sides: frozenset[str] = frozenset()
    red_flags: frozenset[str] = frozenset()
    id: uuid.UUID | None = None


@dataclass(frozen=True)
class AdherenceWindow:
    """Exercise adherence over ``date_from``..``date_to`` as apps.exercises counts it: per plan
    item, days with a session, capped at the sessions prescribed (days_per_week × days in
    force / 7)."""

    date_from: dt.date
    date_to: dt.date
    days_with_plan_in_force: int
    sessions_prescribed: Fraction
    sessions_counted: Fraction
    sessions_done: int

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1

    @property
    def adherence(self) -> Fraction | None:
        """Counted / prescribed, capped at 1 (apps.exercises.adherence, the one definition)."""
        return adherence_ratio(counted=self.sessions_counted, prescribed=self.sessions_prescribed)


def _frozen_mapping(value: Mapping) -> Mapping:
    return MappingProxyType(dict(value))


@dataclass(frozen=True)
class EpisodeSnapshot:
    """What the rules may know about an episode when evaluated for local date ``evaluated_on``.

    ``checkins`` holds every check-in in the loaded range (at least the 35 local dates up to
    ``evaluated_on`` and the first 7 days of home treatment), keyed by date. Rules must only
    read dates on or before ``evaluated_on``; `checkin_on` enforces that.
    """

    episode_id: uuid.UUID
    patient_id: uuid.UUID
    evaluated_on: dt.date
    today: dt.date
    affected_side: str
    symptom_onset_date: dt.date | None
    home_treatment_started_on: dt.date | None
    episode_resolved: bool = False
    resolved_on: dt.date | None = None
    episode_started_on: dt.date | None = None
    checkins: Mapping[dt.date, CheckInData] = field(default_factory=dict)
    #: Adherence over the 7 days ending on a date, keyed by that end date.
    adherence: Mapping[dt.date, AdherenceWindow] = field(default_factory=dict)
    # True only in the nightly sweep: `missed_checkins` and `lost_to_follow_up` are evaluated
    # there and nowhere else.
    nightly: bool = False
    #: The latest local date on or before ``today`` of each kind of patient activity
    #: (apps.flags.activity.ACTIVITY_SOURCES: check-ins, exercise sessions, ...), None when
    #: there is none. Loaded for nightly snapshots only (empty otherwise); as of ``today``,
    #: whatever date the snapshot is re-pointed at.
    last_activity: Mapping[str, dt.date | None] = field(default_factory=dict)
    #: Every questionnaire score of the episode, oldest first (apps.flags.snapshot_outcomes).
    scores: tuple[ScoreData, ...] = ()
    #: The clinical course (apps.flags.snapshot_course), oldest first: every assessment of
    #: the episode and every treatment. Rules read only those on or before ``evaluated_on``.
    assessments: tuple[AssessmentData, ...] = ()
    treatments: tuple[TreatmentData, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "checkins", _frozen_mapping(self.checkins))
        object.__setattr__(self, "adherence", _frozen_mapping(self.adherence))
        object.__setattr__(self, "last_activity", _frozen_mapping(self.last_activity))

    def for_date(self, evaluated_on: dt.date, *, nightly: bool | None = None) -> EpisodeSnapshot:
        """The same data seen from another evaluated date (no new queries)."""
        return replace(
            self,
            evaluated_on=evaluated_on,
            nightly=self.nightly if nightly is None else nightly,
        )

    def checkin_on(self, day: dt.date) -> CheckInData | None:
        if day > self.evaluated_on:
            return None  # the future of the evaluated date is never evidence
        return self.checkins.get(day)

    def previous_checkin(self, day: dt.date) -> CheckInData | None:
        """The latest check-in strictly before ``day`` among the loaded ones."""
        earlier = [d for d in self.checkins if d < day]
        return self.checkins[max(earlier)] if earlier else None


def dates_ending(end: dt.date, days: int) -> list[dt.date]:
    """The ``days`` local dates ending on ``end``, oldest first."""
    return [end - dt.timedelta(days=offset) for offset in range(days - 1, -1, -1)]
