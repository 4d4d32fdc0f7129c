"""The timeline's reads of exercise records (apps.dashboard.course_by_date.
patient_course_by_date): only the columns `GET patients/{id}/timeline/` renders, one statement
per kind for all the episodes overlapping the range, as plain rows.

The same records as ``apps.exercises.selectors.sessions_done_by_date`` and
``prescribed_by_date`` read per episode, in the same order (tests/course prove it). Those
build every column of each session, plan item, plan, episode and exercise; a year's patient
has a few sessions a day and the same plan items every day, and building the models cost the
timeline more than its statements did.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F, Q

from apps.episodes.models import Episode
from apps.exercises.models import ExerciseSession, PlanItem


@dataclass(frozen=True, slots=True)
class ExerciseName:
    """The exercise of a plan item, as the timeline shows it (``exercise.name``)."""

    name: str


@dataclass(frozen=True, slots=True)
class PlanItemInForce:
    """A plan item on a date it is in force (``TimelinePrescribedSerializer``'s attributes)."""

    id: uuid.UUID
    exercise: ExerciseName
    sets: int
    reps: int | None
    hold_seconds: int | None
    days_per_week: int


@dataclass(frozen=True, slots=True)
class SessionItem:
    """The plan item of a session whose item is not in force in the range."""

    exercise: ExerciseName


@dataclass(frozen=True, slots=True)
class SessionDone:
    """An exercise session (``TimelineSessionSerializer``'s attributes: ``plan_item`` only
    carries the exercise's name)."""

    id: uuid.UUID
    plan_item_id: uuid.UUID
    plan_item: PlanItemInForce | SessionItem
    sets_done: int
    pain_during: int | None


def _dates(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    return [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def _ranks(episodes: Sequence[Episode]) -> dict[uuid.UUID, int]:
    """Episode id -> its place in ``episodes`` (onset order): the per-episode selectors list
    each date's records episode by episode, and so does this module."""
    return {episode.pk: rank for rank, episode in enumerate(episodes)}


def _last_day_in_force(ends: dt.date | None, resolved_on: dt.date | None) -> dt.date | None:
    """apps.exercises.selectors._last_day_in_force: the plan's end, or the episode's
    resolution when that is earlier (None: open-ended)."""
    if resolved_on is not None and (ends is None or resolved_on < ends):
        return resolved_on
    return ends


def items_in_force_by_date(
    *, episodes: Sequence[Episode], date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[PlanItemInForce]]:
    """Every date of the range -> the plan items of ``episodes`` in force on it, in the order
    of ``prescribed_by_date`` called per episode (plan start, plan creation, position). One
    query; none without episodes."""
    if not episodes:
        return {day: [] for day in _dates(date_from, date_to)}
    resolved_on = {episode.pk: episode.resolved_on for episode in episodes}
    rows = (
        PlanItem.objects.filter(
            # A plan cut before its start (replaced before it began) is never in force.
            Q(plan__effective_ends_on__isnull=True)
            | (
                Q(plan__effective_ends_on__gte=date_from)
                & Q(plan__effective_ends_on__gte=F("plan__starts_on"))
            ),
            plan__episode_id__in=list(resolved_on),
            plan__starts_on__lte=date_to,
        )
        .order_by("plan__starts_on", "plan__created_at", "position", "id")
        .values_list(
            "plan__episode_id",
            "plan__starts_on",
            "plan__effective_ends_on",
            "id",
            "exercise__name",
            "sets",
            "reps",
            "hold_seconds",
            "days_per_week",
        )
    )
    rank = _ranks(episodes)
    spans: list[tuple[int, dt.date, dt.date | None, PlanItemInForce]] = []
    names: dict[str, ExerciseName] = {}
    for episode_id, first, ends, pk, name, sets, reps, hold, days_per_week in rows:
        last = _last_day_in_force(ends, resolved_on[episode_id])
        if last is not None and (last < date_from or last < first):
            continue
        exercise = names.setdefault(name, ExerciseName(name))
        item = PlanItemInForce(pk, exercise, sets, reps, hold, days_per_week)
        spans.append((rank[episode_id], first, last, item))
    spans.sort(key=lambda span: span[0])  # stable: episode by episode, each in query order
    return {
        day: [
            item
            for _rank, first, last, item in spans
            if first <= day and (last is None or day <= last)
        ]
        for day in _dates(date_from, date_to)
    }


def sessions_by_date(
    *,
    episodes: Sequence[Episode],
    date_from: dt.date,
    date_to: dt.date,
    items: dict[uuid.UUID, PlanItemInForce],
) -> dict[dt.date, list[SessionDone]]:
    """Local date -> the sessions of ``episodes`` logged on it, in the order of
    ``sessions_done_by_date`` called per episode (recorded, then id). ``items``: the plan
    items in force in the range, which name the exercise of almost every session; one more
    query names those of the others. One query (two with such sessions); none without
    episodes."""
    if not episodes:
        return {}
    rows = list(
        ExerciseSession.objects.filter(
            episode_id__in=[episode.pk for episode in episodes],
            date__gte=date_from,
            date__lte=date_to,
        )
        .order_by("date", "recorded_at", "id")
        .values_list("episode_id", "date", "id", "plan_item_id", "sets_done", "pain_during")
    )
    if len(episodes) > 1:
        rank = _ranks(episodes)
        rows.sort(key=lambda row: (row[1], rank[row[0]]))  # stable: recorded order kept
    known: dict[uuid.UUID, PlanItemInForce | SessionItem] = dict(items)
    missing = {row[3] for row in rows} - known.keys()
    if missing:
        for pk, name in PlanItem.objects.filter(pk__in=missing).values_list("id", "exercise__name"):
            known[pk] = SessionItem(ExerciseName(name))
    found: dict[dt.date, list[SessionDone]] = {}
    for _episode_id, day, pk, plan_item_id, sets_done, pain_during in rows:
        session = SessionDone(pk, plan_item_id, known[plan_item_id], sets_done, pain_during)
        found.setdefault(day, []).append(session)
    return found
