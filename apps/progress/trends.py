"""`GET me/progress/trends/`: the patient's own trends over their current episode, with the
dashboard's definitions and never a second calculation (issue 17, "Own trends"):

- ``pain_7d_mean``/``pain_7d_change``: the dashboard's summary row
  (`apps.dashboard.selectors.summary_for_patient`), as in `GET me/progress/`;
- ``pain_7d``: the 7-day mean ``pain_now`` on each date with a check-in, as the staff pain
  chart draws it (`apps.dashboard.charts.rolling_mean`);
- ``pain_weeks``: mean ``pain_now`` per week since onset
  (`apps.dashboard.course.episode_weekly_pain`, the weeks the expected course and the phase
  use), with the change from the week before;
- ``adherence_weeks``: exercise adherence per ISO week, as the patient page's adherence chart
  (`apps.exercises.selectors.adherence_for_range`);
- ``scores``: each questionnaire score over time with its baseline and MCID
  (`apps.outcomes.selectors.score_series`, the dashboard's score charts).

From onset to the patient's local today (or the resolution date). A fixed number of queries
whatever the length of the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

from django.utils import timezone

from apps.accounts.models import Patient
from apps.checkins.selectors import checkins_of_episode
from apps.core.timezones import local_today
from apps.dashboard.charts import rolling_mean
from apps.dashboard.course import episode_weekly_pain
from apps.dashboard.selectors import summary_for_patient
from apps.episodes.models import Episode
from apps.exercises.selectors import adherence_for_range
from apps.outcomes.selectors import ScoreSeries, score_series
from apps.progress.selectors import SummaryRow, episode_of_summary


@dataclass(frozen=True)
class PainWeek:
    week: int
    mean: float
    days: int
    #: This week's mean minus the week before's; None when that week has no check-in.
    change: float | None


@dataclass(frozen=True)
class AdherenceWeek:
    week_start: dt.date
    iso_week: str
    adherence: float | None
    done: int
    prescribed: float


@dataclass(frozen=True)
class Trends:
    episode: Episode | None
    date_from: dt.date | None
    date_to: dt.date | None
    pain_7d_mean: float | None
    pain_7d_change: float | None
    pain_7d: list[tuple[dt.date, float]]
    pain_weeks: list[PainWeek]
    adherence_weeks: list[AdherenceWeek]
    scores: list[ScoreSeries]


def _pain_weeks(episode: Episode) -> list[PainWeek]:
    rows = episode_weekly_pain(episode_id=episode.pk)
    by_week = {row.week: row.mean for row in rows}
    return [
        PainWeek(
            week=row.week,
            mean=round(row.mean, 2),
            days=row.days,
            change=(
                round(row.mean - by_week[row.week - 1], 2) if row.week - 1 in by_week else None
            ),
        )
        for row in rows
    ]


def _adherence_weeks(episode: Episode, date_from: dt.date, date_to: dt.date) -> list[AdherenceWeek]:
    adherence = adherence_for_range(episode=episode, date_from=date_from, date_to=date_to)
    return [
        AdherenceWeek(
            week_start=week.date_from - dt.timedelta(days=week.date_from.weekday()),
            iso_week=week.iso_week,
            adherence=None if week.adherence is None else float(week.adherence),
            done=week.sessions_done,
            prescribed=float(week.sessions_prescribed),
        )
        for week in adherence.weeks
    ]


def patient_trends(patient: Patient, *, now: dt.datetime | None = None) -> Trends:
    """The trends of the patient's current episode (see the module docstring)."""
    now = now or timezone.now()
    summary = cast(SummaryRow, summary_for_patient(patient, now=now))
    episode = episode_of_summary(summary)
    if episode is None:
        return Trends(None, None, None, None, None, [], [], [], [])
    today = local_today(patient.timezone, now=now)
    date_from = episode.symptom_onset_date
    date_to = max(min(episode.resolved_on or today, today), date_from)
    pains = {
        checkin.date: float(checkin.pain_now)
        for checkin in checkins_of_episode(episode).only("date", "pain_now")
    }
    return Trends(
        episode=episode,
        date_from=date_from,
        date_to=date_to,
        pain_7d_mean=summary.pain_7d_mean,
        pain_7d_change=summary.pain_7d_change,
        pain_7d=[(day, round(mean, 2)) for day, mean in rolling_mean(pains)],
        pain_weeks=_pain_weeks(episode),
        adherence_weeks=_adherence_weeks(episode, date_from, date_to),
        scores=score_series(episode.pk),
    )
