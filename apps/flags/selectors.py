"""Reads of the flag engine: the snapshot builder (a fixed number of queries), flag queues and
the helpers other apps call (docs/CONTRACTS.md: Flags)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Field, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.http import Http404

from apps.accounts.models import Role, User
from apps.accounts.selectors import patients_for_clinician
from apps.core.expressions import PlainAggregate
from apps.core.timezones import local_date_of, local_today
from apps.exercises.selectors import (
    WindowAdherence,
    adherence_windows_by_episode,
    adherence_windows_ending,
)
from apps.flags.activity import last_activity_by_episode
from apps.flags.models import LIVE_STATUSES, Flag, severity_rank_expression
from apps.flags.rules import Thresholds
from apps.flags.rules.base import SEVERITY_ORDER
from apps.flags.snapshot import AdherenceWindow, CheckInData, EpisodeSnapshot
from apps.flags.snapshot_course import one_with_course, with_course
from apps.flags.snapshot_outcomes import with_outcome_scores, with_outcome_scores_one

if TYPE_CHECKING:
    from apps.episodes.models import Episode


def lookback_days(thresholds: Thresholds) -> int:
    """How many local dates before an evaluated date any rule may read."""
    return 1 + max(
        2 * thresholds.window_days,  # pain_worsening: last 7 days and the 7 before
        thresholds.baseline_days + 1,  # possible_fracture: the day before's baseline
        thresholds.pain_returned_recent_days + thresholds.pain_returned_lookback_days,
        thresholds.missed_checkins_days,
    )


# The check-in fields the rules read are the fields of CheckInData: one list for the query and
# the mapping below, so a field added to the snapshot is read without a second edit.
_CHECKIN_DATA_FIELDS = tuple(field.name for field in dataclasses.fields(CheckInData))
_SET_FIELDS = frozenset({"painful_sides", "red_flags"})
_SET_INDEXES = tuple(i for i, name in enumerate(_CHECKIN_DATA_FIELDS) if name in _SET_FIELDS)


def _checkin_data(values: Sequence[Any]) -> CheckInData:
    """The snapshot's view of a check-in: the values of _CHECKIN_DATA_FIELDS, in that order."""
    values = list(values)
    for index in _SET_INDEXES:
        values[index] = _frozen_set(values[index])
    return CheckInData(*values)


def _frozen_set(value: str | Iterable[str] | None) -> frozenset[str]:
    if isinstance(value, str):
        # A raw PostgreSQL read returns the jsonb text (Django decodes JSON fields itself).
        return _frozen_set_of_json(value)
    return frozenset(value or ())


@functools.lru_cache(maxsize=1024)
def _frozen_set_of_json(text: str) -> frozenset[str]:
    # Cached: these lists take a handful of values, and decoding each row's copy took more
    # of the nightly sweep's snapshot time than its query (scripts/bench.py profile).
    return frozenset(json.loads(text) or ())


def _episodes(episode_ids: list[Any]) -> list[Any]:
    from apps.episodes.models import Episode

    return list(Episode.objects.filter(pk__in=episode_ids).select_related("patient"))


def _checkins_by_episode(
    episodes: list[Any], ranges: Mapping[Any, tuple[dt.date, dt.date]], thresholds: Thresholds
) -> dict[Any, dict[dt.date, CheckInData]]:
    """One query: each episode's check-ins from ``lookback`` days before the earliest range to
    the latest end, plus the first 7 days of its home treatment (no_improvement_2_weeks
    compares with them)."""
    if not episodes:
        return {}
    back = dt.timedelta(days=lookback_days(thresholds))
    global_from = min(ranges[e.pk][0] for e in episodes) - back
    global_to = max(end for _, end in ranges.values())
    windows = [(e.pk, global_from, global_to) for e in episodes]
    for episode in episodes:
        started = episode.home_treatment_started_on
        if started is not None and started < global_from:
            first_week_end = started + dt.timedelta(days=thresholds.window_days - 1)
            windows.append((episode.pk, started, first_week_end))
    by_episode: dict[Any, dict[dt.date, CheckInData]] = defaultdict(dict)
    for row in _checkin_rows(windows):
        by_episode[row[0]][row[1]] = _checkin_data(row[1:])
    return by_episode


def _checkin_rows(windows: list[tuple[Any, dt.date, dt.date]]) -> Iterable[Sequence[Any]]:
    """(episode_id, *_CHECKIN_DATA_FIELDS) of the check-ins in each (episode, first date, last
    date) window, by date (a date in two windows of an episode may come twice).

    Plain rows, not model instances: the nightly sweep reads ~40 per episode, and building
    instances cost more than the query. On PostgreSQL the windows are joined as arrays (one
    index range scan per window): the home-treatment windows differ per episode, and as 200
    ORed conditions their planning and bitmap scans cost the sweep more than the rest of the
    snapshot (scripts/bench.py profiles)."""
    if connection.vendor == "postgresql":
        return _checkin_rows_by_index_scans(windows)
    return _checkin_rows_by_orm(windows)


def _checkin_rows_by_index_scans(
    windows: list[tuple[Any, dt.date, dt.date]],
) -> list[Sequence[Any]]:
    # Check-ins are read as plain rows for the snapshot; apps.checkins has no bulk reader
    # across episodes and date ranges, and this is read-only.
    from apps.checkins.models import CheckIn

    quote = connection.ops.quote_name

    def column(name: str) -> str:
        field = CheckIn._meta.get_field(name)
        if not isinstance(field, Field) or field.column is None:  # each name is a column
            raise LookupError(name)
        return quote(field.column)

    table = quote(CheckIn._meta.db_table)
    episode, date = column("episode"), column("date")
    columns = ", ".join(f"c.{column(name)}" for name in _CHECKIN_DATA_FIELDS)
    # Only quoted names from the model are interpolated; the windows are parameters. The
    # LATERAL subquery with OFFSET 0 is not flattened, so each window is one index range
    # scan (checkin_episode_date_unique); flattened, the planner preferred hashing the
    # whole table once the windows were a few hundred.
    sql = (
        f"SELECT w.episode_id, {columns}"  # noqa: S608
        " FROM unnest(%s::uuid[], %s::date[], %s::date[]) AS w(episode_id, date_from, date_to)"
        f" CROSS JOIN LATERAL (SELECT {columns} FROM {table} c WHERE c.{episode} = w.episode_id"
        f" AND c.{date} BETWEEN w.date_from AND w.date_to OFFSET 0) AS c"
        f" ORDER BY c.{date}"
    )
    ids, firsts, lasts = (list(values) for values in zip(*windows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids, firsts, lasts])
        rows: list[Sequence[Any]] = cursor.fetchall()
        return rows


def _checkin_rows_by_orm(windows: list[tuple[Any, dt.date, dt.date]]) -> Iterable[Sequence[Any]]:
    from apps.checkins.models import CheckIn

    by_range: dict[tuple[dt.date, dt.date], list[Any]] = defaultdict(list)
    for episode_id, first, last in windows:
        by_range[(first, last)].append(episode_id)
    condition = Q()
    for (first, last), ids in by_range.items():
        condition |= Q(episode_id__in=ids, date__range=(first, last))
    return (
        CheckIn.objects.filter(condition)
        .order_by("date")
        .values_list("episode_id", *_CHECKIN_DATA_FIELDS)
    )


def _window_of(window: WindowAdherence) -> AdherenceWindow:
    """The snapshot's copy of apps.exercises' adherence of a window (the one definition)."""
    return AdherenceWindow(
        date_from=window.date_from,
        date_to=window.date_to,
        days_with_plan_in_force=window.days_with_plan_in_force,
        sessions_prescribed=window.sessions_prescribed,
        sessions_counted=window.sessions_counted,
        sessions_done=window.sessions_done,
    )


def _adherence_windows(
    episode: Episode, ends: list[dt.date], thresholds: Thresholds
) -> dict[dt.date, AdherenceWindow]:
    """The 7-day adherence window ending on each of ``ends`` for one episode. Two queries,
    whatever the number of dates: apps.exercises.selectors.adherence_windows_ending."""
    windows = adherence_windows_ending(
        episode=episode, ends=ends, window_days=thresholds.window_days
    )
    return {end: _window_of(window) for end, window in windows.items()}


def _bulk_adherence(
    episodes: list[Any], ends: Mapping[Any, dt.date], thresholds: Thresholds
) -> dict[Any, dict[dt.date, AdherenceWindow]]:
    """One 7-day window per episode, two queries per distinct end date (one or two local
    dates for a whole batch): apps.exercises.selectors.adherence_windows_by_episode."""
    by_end: dict[dt.date, list[Any]] = defaultdict(list)
    for episode in episodes:
        by_end[ends[episode.pk]].append(episode.pk)
    result: dict[Any, dict[dt.date, AdherenceWindow]] = {}
    for end, ids in by_end.items():
        start = end - dt.timedelta(days=thresholds.window_days - 1)
        windows = adherence_windows_by_episode(episode_ids=ids, date_from=start, date_to=end)
        for episode_id, window in windows.items():
            result[episode_id] = {end: _window_of(window)}
    return result


def _snapshot(
    episode: Episode,
    evaluated_on: dt.date,
    today: dt.date,
    checkins: Mapping[dt.date, CheckInData],
    adherence: Mapping[dt.date, AdherenceWindow],
    nightly: bool,
    last_activity: Mapping[str, dt.date | None] | None = None,
) -> EpisodeSnapshot:
    return EpisodeSnapshot(
        episode_id=episode.pk,
        patient_id=episode.patient_id,
        evaluated_on=evaluated_on,
        today=today,
        affected_side=episode.affected_side,
        symptom_onset_date=episode.symptom_onset_date,
        home_treatment_started_on=episode.home_treatment_started_on,
        episode_resolved=episode.status == "resolved",
        resolved_on=episode.resolved_on,
        episode_started_on=local_date_of(episode.created_at, episode.patient.timezone),
        checkins=checkins,
        adherence=adherence,
        nightly=nightly,
        last_activity=last_activity or {},
    )


def build_snapshot(
    *,
    episode_id: uuid.UUID | str,
    date_from: dt.date | None,
    date_to: dt.date | None = None,
    thresholds: Thresholds,
    nightly: bool = False,
    with_adherence: bool = True,
) -> EpisodeSnapshot | None:
    """One episode's snapshot covering the evaluated dates ``date_from``..``date_to`` (default:
    the patient's local today), pointed at ``date_to``; re-point it with ``for_date``.

    Four queries whatever the number of dates: episode + patient, check-ins, plan items in
    force, exercise sessions; a fifth when ``nightly`` (the latest date of each kind of
    activity, for `lost_to_follow_up`). None when the episode does not exist."""
    episodes = _episodes([episode_id])
    if not episodes:
        return None
    episode = episodes[0]
    today = local_today(episode.patient.timezone)
    date_to = min(date_to or today, today)
    date_from = min(date_from or date_to, date_to)
    checkins = _checkins_by_episode(episodes, {episode.pk: (date_from, date_to)}, thresholds)
    ends = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    adherence = _adherence_windows(episode, ends, thresholds) if with_adherence else {}
    activity = last_activity_by_episode({episode.pk: today}) if nightly else {}
    snapshot = _snapshot(
        episode,
        date_to,
        today,
        checkins.get(episode.pk, {}),
        adherence,
        nightly,
        activity.get(episode.pk),
    )
    # Questionnaire scores (apps.flags.snapshot_outcomes), then the clinical course:
    # assessments and treatments (apps.flags.snapshot_course).
    with_scores = with_outcome_scores_one(snapshot)
    return one_with_course(with_scores) if with_scores is not None else None


def build_snapshots_for_today(
    *, episode_ids: Iterable[Any], thresholds: Thresholds, nightly: bool = True
) -> list[EpisodeSnapshot]:
    """The nightly sweep's snapshots: each episode at its patient's local today. A fixed number
    of queries per batch (episodes, check-ins, and per distinct local date two for adherence
    and, when ``nightly``, one for the latest activity of each kind)."""
    episodes = _episodes(list(episode_ids))
    todays = {e.pk: local_today(e.patient.timezone) for e in episodes}
    checkins = _checkins_by_episode(episodes, {pk: (d, d) for pk, d in todays.items()}, thresholds)
    adherence = _bulk_adherence(episodes, todays, thresholds)
    activity = last_activity_by_episode(todays) if nightly else {}
    snapshots = [
        _snapshot(
            e,
            todays[e.pk],
            todays[e.pk],
            checkins.get(e.pk, {}),
            adherence.get(e.pk, {}),
            nightly,
            activity.get(e.pk),
        )
        for e in episodes
    ]
    # Questionnaire scores (apps.flags.snapshot_outcomes), then the clinical course:
    # assessments and treatments (apps.flags.snapshot_course).
    return with_course(with_outcome_scores(snapshots))


def snapshots_for_checkins(
    checkins: Iterable[Any], *, thresholds: Thresholds
) -> dict[Any, EpisodeSnapshot]:
    """For the check-in request: one snapshot per episode of the given (stored) check-ins,
    covering their dates. Two queries whatever the number of check-ins; no exercise data
    (only emergency and urgent rules run in the request)."""
    ranges: dict[Any, list[dt.date]] = defaultdict(list)
    known: dict[Any, Any] = {}
    for checkin in checkins:
        ranges[checkin.episode_id].append(checkin.date)
        # The single POST created its check-in with the episode (and its patient) it had just
        # read: use it rather than reading it again.
        episode_field = checkin._meta.get_field("episode")
        if episode_field.is_cached(checkin):
            episode = episode_field.get_cached_value(checkin)
            if episode._meta.get_field("patient").is_cached(episode):
                known[episode.pk] = episode
    missing = [pk for pk in ranges if pk not in known]
    episodes = [*known.values(), *(_episodes(missing) if missing else [])]
    spans = {pk: (min(dates), max(dates)) for pk, dates in ranges.items()}
    loaded = _checkins_by_episode(episodes, spans, thresholds)
    return {
        e.pk: _snapshot(
            e,
            spans[e.pk][1],
            local_today(e.patient.timezone),
            loaded.get(e.pk, {}),
            {},
            False,
        )
        for e in episodes
    }


# --- Flags --------------------------------------------------------------------------------------


def flags_visible_to(user: User) -> QuerySet[Flag]:
    """Flags ``user`` may see: a patient, their own; staff, their patients'."""
    flags = Flag.objects.select_related("acknowledged_by", "patient")
    if user.role == Role.PATIENT and not user.is_superuser:
        return flags.filter(patient__user=user)
    return flags.filter(patient__in=patients_for_clinician(user))


def access_flag(user: User, flag_id: uuid.UUID | str) -> Flag:
    """The flag if ``user`` may see it; 404 otherwise (no existence leak)."""
    try:
        return flags_visible_to(user).get(pk=flag_id)
    except (Flag.DoesNotExist, ValueError, TypeError, ValidationError) as error:
        raise Http404("No such flag.") from error


def open_flags_for_episode(episode: Episode) -> QuerySet[Flag]:
    """The episode's open and acknowledged flags, most severe first then newest."""
    return (
        Flag.objects.filter(episode=episode, status__in=LIVE_STATUSES)
        .annotate(severity_rank=severity_rank_expression())
        .order_by("severity_rank", "-opened_at", "id")
    )


def flags_opened_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[Flag]]:
    """Local date → the flags whose first qualifying date (``opened_for_date``) is that date,
    for the timeline. One query."""
    found: dict[dt.date, list[Flag]] = defaultdict(list)
    flags = Flag.objects.filter(
        episode=episode, opened_for_date__range=(date_from, date_to)
    ).order_by("opened_for_date", "opened_at", "id")
    for flag in flags:
        found[flag.opened_for_date].append(flag)
    return dict(found)


def open_flag_count_subquery(severity: str, *, patient: Any = None) -> Subquery:
    """The number of open or acknowledged flags of ``severity`` of the outer row's patient
    (default ``OuterRef("pk")``: the outer rows are patients), for an annotation: the SQL
    form of `open_flag_counts_by_patient` (tests/flags/test_open_flag_counts.py holds the two
    together). 0 when there is none."""
    outer = OuterRef("pk") if patient is None else patient
    count = PlainAggregate(Value(1), function="COUNT", output_field=IntegerField())
    rows = Flag.objects.filter(patient_id=outer, status__in=LIVE_STATUSES, severity=severity)
    return Subquery(rows.order_by().values(count=count), output_field=IntegerField())


def open_flag_counts_by_patient(patient_ids: Iterable[Any]) -> dict[Any, dict[str, int]]:
    """Patient id → {severity: number of open or acknowledged flags}, every severity present
    (0 when none). One query whatever the number of patients."""
    ids = list(patient_ids)
    counts = {pid: dict.fromkeys(SEVERITY_ORDER, 0) for pid in ids}
    rows = (
        Flag.objects.filter(patient_id__in=ids, status__in=LIVE_STATUSES)
        .values_list("patient_id", "severity")
        .annotate(total=Count("id"))
        .order_by()
    )
    for patient_id, severity, total in rows:
        counts[patient_id][severity] = total
    return counts
