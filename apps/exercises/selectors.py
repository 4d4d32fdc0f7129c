"""Reads of the exercise library, plans, sessions and adherence (docs/exercises.md).

Every function here runs a fixed number of queries whatever the number of dates, weeks,
plans or episodes it covers, because the dashboard and the flag snapshot call them for many
patients at once. Adherence is defined once, in `apps.exercises.adherence` (the pure
`window_adherence` these selectors feed, and its SQL form for the dashboard).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet

from apps.accounts.models import Patient, Role, User
from apps.accounts.selectors import access_patient, patients_visible_to
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.selectors import active_episode_for

# The adherence types are re-exported: callers read them from here.
from apps.exercises.adherence import ItemAdherence as ItemAdherence
from apps.exercises.adherence import ItemSpan, window_adherence
from apps.exercises.adherence import RangeAdherence as RangeAdherence
from apps.exercises.adherence import WindowAdherence as WindowAdherence
from apps.exercises.models import Exercise, ExercisePlan, ExerciseSession, PlanItem

# --- Library, plans, sessions ---------------------------------------------------------------


def exercise_library() -> QuerySet[Exercise]:
    """Exercises that may be prescribed, by category and name."""
    return Exercise.objects.filter(is_active=True).order_by("category", "name", "id")


def _with_items(plans: QuerySet[ExercisePlan]) -> QuerySet[ExercisePlan]:
    return plans.prefetch_related(
        Prefetch(
            "items",
            queryset=PlanItem.objects.select_related("exercise").order_by("position", "id"),
        )
    )


def plans_of_episode(episode: Episode) -> QuerySet[ExercisePlan]:
    """Every plan of ``episode`` (the caller has checked access), newest start first, with
    items and exercises: superseded plans are history, never deleted."""
    return _with_items(
        ExercisePlan.objects.filter(episode=episode).order_by("-starts_on", "-created_at", "id")
    )


def last_day_in_force(ends: dt.date | None, resolved_on: dt.date | None) -> dt.date | None:
    """A plan's last day in force from its effective end (None: open-ended) and its episode's
    resolution (None: not resolved): a resolved episode ends it."""
    if resolved_on is not None and (ends is None or resolved_on < ends):
        return resolved_on
    return ends


def _last_day_in_force(plan: ExercisePlan, resolved_on: dt.date | None) -> dt.date | None:
    """The plan's last day in force (None: open-ended); a resolved episode ends it."""
    return last_day_in_force(plan.effective_ends_on, resolved_on)


def item_in_force_on(plan_item: PlanItem, day: dt.date) -> bool:
    """Whether ``plan_item`` is prescribed on ``day`` (needs ``plan__episode`` loaded)."""
    plan = plan_item.plan
    last = _last_day_in_force(plan, plan.episode.resolved_on)
    return plan.starts_on <= day and (last is None or day <= last)


def plan_in_force_on(*, episode: Episode, date: dt.date) -> ExercisePlan | None:
    """The plan of ``episode`` in force on ``date`` (items prefetched), or None."""
    if episode.resolved_on is not None and date > episode.resolved_on:
        return None
    return (
        _with_items(
            ExercisePlan.objects.filter(episode=episode, starts_on__lte=date).filter(
                Q(effective_ends_on__isnull=True) | Q(effective_ends_on__gte=date)
            )
        )
        .order_by("-starts_on", "-created_at")
        .first()
    )


def current_plan_for(patient: Patient) -> ExercisePlan | None:
    """The plan in force on the patient's local today in their active episode, or None."""
    episode = active_episode_for(patient)
    if episode is None:
        return None
    return plan_in_force_on(episode=episode, date=local_today(patient.timezone))


def sessions_visible_to(user: User, *, patient_id: uuid.UUID | str | None = None) -> QuerySet:
    """Sessions ``user`` may list: a patient, their own; staff, their patients' (one patient
    when ``patient_id`` is given; 404 if that patient is not visible)."""
    sessions = ExerciseSession.objects.select_related("plan_item").order_by(
        "-date", "-recorded_at", "id"
    )
    if patient_id is not None:
        return sessions.filter(patient=access_patient(user, patient_id))
    if user.role == Role.PATIENT and not user.is_superuser:
        return sessions.filter(patient__user=user)
    return sessions.filter(patient__in=patients_visible_to(user))


def _dates(date_from: dt.date, date_to: dt.date) -> list[dt.date]:
    return [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]


def sessions_done_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[ExerciseSession]]:
    """Every date from ``date_from`` to ``date_to`` → the sessions logged on it (with plan
    item and exercise), oldest record first; [] for a date without sessions. One query."""
    by_date: dict[dt.date, list[ExerciseSession]] = {day: [] for day in _dates(date_from, date_to)}
    sessions = ExerciseSession.objects.filter(
        episode=episode, date__range=(date_from, date_to)
    ).order_by("date", "recorded_at", "id")
    for session in _with_shared_plan_items(sessions):
        by_date[session.date].append(session)
    return by_date


def _concrete(model) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields]


def _with_shared_plan_items(sessions: QuerySet[ExerciseSession]) -> list[ExerciseSession]:
    """``sessions`` with their plan item and its exercise, in the one query a
    ``select_related("plan_item__exercise")`` runs, but each plan item and exercise built once
    and shared by its sessions (a year of sessions names a handful of items: building them
    per session was most of the timeline's read)."""
    own, item, exercise = _concrete(ExerciseSession), _concrete(PlanItem), _concrete(Exercise)
    columns = [
        *own,
        *(f"plan_item__{name}" for name in item),
        *(f"plan_item__exercise__{name}" for name in exercise),
    ]
    items: dict[Any, PlanItem] = {}
    loaded = []
    split = len(own), len(own) + len(item)
    for row in sessions.values_list(*columns):
        session = ExerciseSession.from_db(sessions.db, own, row[: split[0]])
        plan_item = items.get(session.plan_item_id)
        if plan_item is None:
            plan_item = PlanItem.from_db(sessions.db, item, row[split[0] : split[1]])
            plan_item.exercise = Exercise.from_db(sessions.db, exercise, row[split[1] :])
            items[session.plan_item_id] = plan_item
        session.plan_item = plan_item
        loaded.append(session)
    return loaded


def _item_spans(episode_ids: Iterable[Any], date_from: dt.date, date_to: dt.date) -> list[ItemSpan]:
    """Plan items of the episodes in force on at least one date of the range. One query."""
    items = (
        PlanItem.objects.filter(
            plan__episode_id__in=list(episode_ids), plan__starts_on__lte=date_to
        )
        .filter(Q(plan__effective_ends_on__isnull=True) | Q(plan__effective_ends_on__gte=date_from))
        # A plan cut before its start (replaced before it began) is never in force.
        .filter(
            Q(plan__effective_ends_on__isnull=True)
            | Q(plan__effective_ends_on__gte=F("plan__starts_on"))
        )
        .select_related("plan__episode", "exercise")
        .order_by("plan__starts_on", "plan__created_at", "position", "id")
    )
    spans = []
    for item in items:
        last = _last_day_in_force(item.plan, item.plan.episode.resolved_on)
        if last is not None and (last < date_from or last < item.plan.starts_on):
            continue
        spans.append(ItemSpan(item=item, first=item.plan.starts_on, last=last))
    return spans


def prescribed_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[PlanItem]]:
    """Every date of the range → the plan items in force on it (with exercise and plan);
    [] for a date without a plan in force. One query."""
    spans = _item_spans([episode.pk], date_from, date_to)
    return {
        day: [
            span.item
            for span in spans
            if span.first <= day and (span.last is None or day <= span.last)
        ]
        for day in _dates(date_from, date_to)
    }


# --- Adherence ------------------------------------------------------------------------------


def _done_dates(
    episode_ids: Iterable[Any], date_from: dt.date, date_to: dt.date
) -> dict[uuid.UUID, set[dt.date]]:
    """Plan item id → distinct dates with a session. One query."""
    done: dict[uuid.UUID, set[dt.date]] = defaultdict(set)
    rows = (
        ExerciseSession.objects.filter(
            episode_id__in=list(episode_ids), date__range=(date_from, date_to)
        )
        .values_list("plan_item_id", "date")
        .distinct()
    )
    for plan_item_id, day in rows:
        done[plan_item_id].add(day)
    return done


def iso_weeks(date_from: dt.date, date_to: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The ISO weeks (Monday–Sunday) touching the range, each clipped to it."""
    weeks = []
    monday = date_from - dt.timedelta(days=date_from.weekday())
    while monday <= date_to:
        sunday = monday + dt.timedelta(days=6)
        weeks.append((max(monday, date_from), min(sunday, date_to)))
        monday += dt.timedelta(days=7)
    return weeks


def adherence_for_range(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> RangeAdherence:
    """Adherence of ``episode`` per ISO week of the range and overall. Two queries."""
    spans = _item_spans([episode.pk], date_from, date_to)
    done = _done_dates([episode.pk], date_from, date_to)
    return RangeAdherence(
        date_from=date_from,
        date_to=date_to,
        weeks=tuple(
            window_adherence(spans, done, start, end)
            for start, end in iso_weeks(date_from, date_to)
        ),
    )


def adherence_windows_by_episode(
    *, episode_ids: Iterable[Any], date_from: dt.date, date_to: dt.date
) -> dict[Any, WindowAdherence]:
    """Each episode's adherence over the range taken as ONE window (not split by ISO week),
    e.g. the last 7 days for the dashboard and the low_adherence rule. Two queries."""
    ids = list(episode_ids)
    spans_by_episode: dict[Any, list[ItemSpan]] = defaultdict(list)
    for span in _item_spans(ids, date_from, date_to):
        spans_by_episode[span.item.plan.episode_id].append(span)
    done = _done_dates(ids, date_from, date_to)
    return {
        episode_id: window_adherence(spans_by_episode.get(episode_id, []), done, date_from, date_to)
        for episode_id in ids
    }


def adherence_by_episode(
    *, episode_ids: Iterable[Any], date_from: dt.date, date_to: dt.date
) -> dict[Any, float | None]:
    """Episode id → overall adherence over the range as one window (0.0–1.0), None when no
    plan was in force in it. Two queries whatever the number of episodes."""
    windows = adherence_windows_by_episode(
        episode_ids=episode_ids, date_from=date_from, date_to=date_to
    )
    return {
        episode_id: None if window.adherence is None else float(window.adherence)
        for episode_id, window in windows.items()
    }


def adherence_windows_ending(
    *, episode: Any, ends: Iterable[dt.date], window_days: int
) -> dict[dt.date, WindowAdherence]:
    """The ``window_days``-day window ending on each of ``ends`` → its adherence, for one
    episode (the flag snapshot's `low_adherence` windows). Two queries whatever the number
    of dates."""
    ends = sorted(set(ends))
    if not ends:
        return {}
    back = dt.timedelta(days=window_days - 1)
    date_from, date_to = ends[0] - back, ends[-1]
    spans = _item_spans([episode.pk], date_from, date_to)
    done = _done_dates([episode.pk], date_from, date_to)
    return {end: window_adherence(spans, done, end - back, end) for end in ends}


def adherence_of_windows(
    windows: Mapping[Any, tuple[dt.date, dt.date]],
) -> dict[Any, WindowAdherence]:
    """Episode id → its adherence over its own window ``(date_from, date_to)`` (e.g. each
    patient's last 7 local dates, which differ by time zone). Two queries whatever the
    number of episodes."""
    if not windows:
        return {}
    first = min(start for start, _ in windows.values())
    last = max(end for _, end in windows.values())
    spans_by_episode: dict[Any, list[ItemSpan]] = defaultdict(list)
    for span in _item_spans(windows, first, last):
        spans_by_episode[span.item.plan.episode_id].append(span)
    done = _done_dates(windows, first, last)
    return {
        episode_id: window_adherence(spans_by_episode.get(episode_id, []), done, start, end)
        for episode_id, (start, end) in windows.items()
    }
