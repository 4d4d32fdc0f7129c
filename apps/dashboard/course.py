"""Selectors behind the patient page: the whole course of one episode (per local date from the
read model apps.dashboard.course_by_date, which `GET timeline` reads too), and the expected
course from the clinic's resolved episodes (API.md: Dashboard)."""

from __future__ import annotations

import datetime as dt
import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.cache import cache
from django.db.models import Avg, Count, F, FloatField, Max, Q, QuerySet
from django.db.models.functions import Cast

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.core.timezones import local_today
from apps.dashboard.course_by_date import CourseDay, episode_course_by_date
from apps.dashboard.expressions import DaysBetween
from apps.episodes.models import Episode, EpisodeStatus
from apps.episodes.selectors import current_of, episodes_of_patient
from apps.exercises.selectors import adherence_for_range, plans_of_episode
from apps.flags.models import Flag

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

#: Fewer resolved episodes than this and the expected course is hidden: percentiles of a
#: handful of courses would look precise and mean little.
EXPECTED_COURSE_MIN_EPISODES = 20
#: A week's band is drawn only when this many resolved episodes have check-ins in it.
EXPECTED_COURSE_MIN_EPISODES_PER_WEEK = 10
EXPECTED_COURSE_CACHE_SECONDS = 60 * 60
RECENT_NOTES = 5
#: The check-in values the patient page shows (``Course.checkins`` rows).
CHECKIN_FIELDS = (
    "date",
    "pain_now",
    "pain_worst_24h",
    "morning_stiffness_minutes",
    "steps",
    "notes",
    "weight_bearing",
    "walking_aid",
)


@dataclass(frozen=True)
class ExpectedCourse:
    """Weekly pain (weekly mean ``pain_now``) by week since onset across the clinic's resolved
    episodes: ``weeks`` rows of ``{"week", "median", "p10", "p90", "episodes"}``."""

    resolved_episodes: int
    weeks: tuple[dict[str, Any], ...] = ()

    @property
    def is_available(self) -> bool:
        return self.resolved_episodes >= EXPECTED_COURSE_MIN_EPISODES and bool(self.weeks)


def _percentiles(values: list[float]) -> dict[str, float]:
    """Median and 10th/90th percentiles, linearly interpolated between data points."""
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    return {
        "median": round(statistics.median(values), 2),
        "p10": round(deciles[0], 2),
        "p90": round(deciles[8], 2),
    }


def expected_course(*, clinic_id: uuid.UUID) -> ExpectedCourse:
    """The expected course of pain for the clinic's patients, from its resolved episodes.

    One query to count them (and see whether any changed), one more to aggregate per episode
    and week when the cached result is stale; the result is cached, because it moves slowly
    and reads a year of check-ins of every resolved episode."""
    resolved = Episode.objects.filter(
        status=EpisodeStatus.RESOLVED, patient__care_team__clinic_id=clinic_id
    )
    state = resolved.aggregate(count=Count("pk"), changed=Max("updated_at"))
    if state["count"] < EXPECTED_COURSE_MIN_EPISODES:
        return ExpectedCourse(resolved_episodes=state["count"])
    key = f"dashboard:expected-course:{clinic_id}:{state['count']}:{state['changed'].isoformat()}"
    weeks = cache.get(key)
    if weeks is None:
        weeks = _expected_weeks(resolved)
        cache.set(key, weeks, EXPECTED_COURSE_CACHE_SECONDS)
    return ExpectedCourse(resolved_episodes=state["count"], weeks=tuple(weeks))


class _WeekPain(TypedDict):
    """The annotations of `_weekly_pain`: week since onset, mean pain, check-ins counted."""

    week: int
    mean: float
    days: int


class _WeekPainRow(_WeekPain):
    """A row of `_weekly_pain`."""

    episode_id: uuid.UUID


def _weekly_pain(
    checkins: QuerySet[CheckIn],
) -> QuerySet[WithAnnotations[CheckIn, _WeekPain], _WeekPainRow]:
    """Weekly pain of each episode: mean ``pain_now`` per (episode, week since onset), with
    the number of check-ins (``days``). The one definition of a patient's week of pain, used
    by the expected course (across resolved episodes) and by a patient's own weeks."""
    return (
        checkins.annotate(week=DaysBetween(F("episode__symptom_onset_date"), F("date")) / 7)
        .filter(week__gte=0)
        .order_by()
        .values("episode_id", "week")
        .annotate(mean=Avg(Cast("pain_now", FloatField())), days=Count("pk"))
    )


@dataclass(frozen=True)
class WeekPain:
    """One week since onset of one episode: mean ``pain_now`` and the check-ins it averages."""

    week: int
    mean: float
    days: int


def episode_weekly_pain(*, episode_id: Any) -> list[WeekPain]:
    """The episode's weeks since onset with their mean pain, as the expected course counts
    each resolved episode's weeks (`_weekly_pain`). One query."""
    rows = _weekly_pain(CheckIn.objects.filter(episode_id=episode_id)).values_list(
        "week", "mean", "days"
    )
    return sorted(
        (WeekPain(week=int(week), mean=float(mean), days=days) for week, mean, days in rows),
        key=lambda row: row.week,
    )


def _expected_weeks(resolved) -> list[dict[str, Any]]:
    rows = _weekly_pain(
        CheckIn.objects.filter(episode__in=resolved.values("pk")).filter(
            Q(episode__resolved_on__isnull=True) | Q(date__lte=F("episode__resolved_on"))
        )
    ).values_list("week", "mean")
    by_week: dict[int, list[float]] = defaultdict(list)
    for week, mean in rows:
        by_week[int(week)].append(float(mean))
    return [
        {"week": week, "episodes": len(means), **_percentiles(means)}
        for week, means in sorted(by_week.items())
        if len(means) >= EXPECTED_COURSE_MIN_EPISODES_PER_WEEK
    ]


@dataclass
class Course:
    """Everything the patient page shows for one episode, loaded in a fixed number of queries."""

    patient: Patient
    episodes: list[Episode]
    episode: Episode | None
    today: dt.date
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    days: list[CourseDay] = field(default_factory=list)
    checkins: list[dict[str, Any]] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)
    plans: list[Any] = field(default_factory=list)
    adherence_weeks: list[dict[str, Any]] = field(default_factory=list)
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def current_plan(self):
        for plan in self.plans:
            if plan.starts_on <= self.today and (
                plan.effective_ends_on is None or plan.effective_ends_on >= self.today
            ):
                return plan
        return None


def patient_course(*, patient: Patient, episode_id: uuid.UUID | str | None = None) -> Course:
    """The course of ``patient``'s chosen episode (default: the current one) from onset to
    the patient's local today, or its resolution. The caller has checked access."""
    today = local_today(patient.timezone)
    episodes = list(episodes_of_patient(patient))
    episode = None
    if episode_id is not None:
        episode = next((e for e in episodes if str(e.pk) == str(episode_id)), None)
    if episode is None and episodes:
        episode = current_of(episodes)
    course = Course(patient=patient, episodes=episodes, episode=episode, today=today)
    if episode is None:
        return course
    by_date = episode_course_by_date(
        episode=episode,
        date_from=episode.symptom_onset_date,
        date_to=max(min(episode.resolved_on or today, today), episode.symptom_onset_date),
    )
    course.date_from, course.date_to = by_date.date_from, by_date.date_to
    course.days = by_date.days
    course.checkins = [
        {name: getattr(checkin, name) for name in CHECKIN_FIELDS} for checkin in by_date.checkins
    ]
    course.flags = by_date.flags
    course.plans = list(plans_of_episode(episode))
    adherence = adherence_for_range(
        episode=episode, date_from=course.date_from, date_to=course.date_to
    )
    course.adherence_weeks = [
        {
            "week_start": week.date_from - dt.timedelta(days=week.date_from.weekday()),
            "iso_week": week.iso_week,
            "adherence": None if week.adherence is None else float(week.adherence),
            "done": week.sessions_done,
            "prescribed": float(week.sessions_prescribed),
        }
        for week in adherence.weeks
    ]
    course.notes = [row for row in reversed(course.checkins) if row["notes"]][:RECENT_NOTES]
    return course
