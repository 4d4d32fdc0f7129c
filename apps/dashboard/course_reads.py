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
from collections.abc import Sequence, Sized
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Model

from apps.episodes.models import Episode
from apps.exercises.models import Exercise, ExercisePlan, ExerciseSession, PlanItem
from apps.exercises.selectors import last_day_in_force


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


# The two reads are SQL text over the models' names: built by the ORM, their querysets cost
# the timeline more to build and compile than their statements cost to run. Only quoted names
# from the models are interpolated; every value is a parameter, adapted as the ORM adapts it,
# and a UUID read back is a UUID on every database (SQLite keeps its 32 hex digits).


def _names(model: type[Model], alias: str) -> dict[str, str]:
    """``{field name: alias.column}`` of ``model``'s columns, and ``""``: ``table alias``."""
    quote = connection.ops.quote_name
    names = {
        field.name: f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields
    }
    names[""] = f"{quote(model._meta.db_table)} {alias}"
    return names


def _placeholders(values: Sized) -> str:
    return ", ".join(["%s"] * len(values))


def _episode_key(pk: uuid.UUID) -> Any:
    return Episode._meta.pk.get_db_prep_value(pk, connection)


def _dates_of(*days: dt.date) -> list[Any]:
    return [connection.ops.adapt_datefield_value(day) for day in days]


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def items_in_force_by_date(
    *, episodes: Sequence[Episode], date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[PlanItemInForce]]:
    """Every date of the range -> the plan items of ``episodes`` in force on it, in the order
    of ``prescribed_by_date`` called per episode (plan start, plan creation, position). One
    query; none without episodes."""
    if not episodes:
        return {day: [] for day in _dates(date_from, date_to)}
    resolved_on = {episode.pk: episode.resolved_on for episode in episodes}
    p, i, e = _names(ExercisePlan, "p"), _names(PlanItem, "i"), _names(Exercise, "e")
    # A plan cut before its start (replaced before it began) is never in force.
    sql = (
        f"SELECT {p['episode']}, {p['starts_on']}, {p['effective_ends_on']},"  # noqa: S608
        f" {i['id']}, {e['name']}, {i['sets']}, {i['reps']},"
        f" {i['hold_seconds']}, {i['days_per_week']}"
        f" FROM {i['']} INNER JOIN {p['']} ON {i['plan']} = {p['id']}"
        f" INNER JOIN {e['']} ON {i['exercise']} = {e['id']}"
        f" WHERE {p['episode']} IN ({_placeholders(resolved_on)})"
        f" AND {p['starts_on']} <= %s AND ({p['effective_ends_on']} IS NULL"
        f" OR ({p['effective_ends_on']} >= %s"
        f" AND {p['effective_ends_on']} >= {p['starts_on']}))"
        f" ORDER BY {p['starts_on']}, {p['created_at']}, {i['position']}, {i['id']}"
    )
    rows = _rows(sql, [*map(_episode_key, resolved_on), *_dates_of(date_to, date_from)])
    rank = _ranks(episodes)
    spans: list[tuple[int, dt.date, dt.date | None, PlanItemInForce]] = []
    names: dict[str, ExerciseName] = {}
    for episode_id, first, ends, pk, name, sets, reps, hold, days_per_week in rows:
        episode_id, pk = _uuid(episode_id), _uuid(pk)
        last = last_day_in_force(ends, resolved_on[episode_id])
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
    table = _names(ExerciseSession, "s")
    sql = (
        f"SELECT {table['episode']}, {table['date']}, {table['id']},"  # noqa: S608
        f" {table['plan_item']}, {table['sets_done']}, {table['pain_during']}"
        f" FROM {table['']} WHERE {table['episode']} IN ({_placeholders(episodes)})"
        f" AND {table['date']} BETWEEN %s AND %s"
        f" ORDER BY {table['date']}, {table['recorded_at']}, {table['id']}"
    )
    keys = [_episode_key(episode.pk) for episode in episodes]
    rows = [
        (_uuid(episode_id), day, _uuid(pk), _uuid(item_id), sets_done, pain_during)
        for episode_id, day, pk, item_id, sets_done, pain_during in _rows(
            sql, [*keys, *_dates_of(date_from, date_to)]
        )
    ]
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
