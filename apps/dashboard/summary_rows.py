"""The summary rows of one page of the cohort: the page's patients completed by bulk reads.

Reads: episodes.Episode (the current episodes of the page's patients), exercises.PlanItem and
exercises.ExerciseSession (their adherence), flags.Flag (through
`apps.flags.selectors.open_flag_counts_by_patient`); records the access (apps.core).
Four bulk reads whatever the number of rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Q, QuerySet

from apps.accounts.models import Patient
from apps.core.access_recorder import record_patient_access
from apps.dashboard.summary_columns import SEVERITIES, WINDOW_DAYS
from apps.episodes.models import Episode, EpisodeStatus
from apps.exercises.models import ExerciseSession, PlanItem
from apps.flags.selectors import open_flag_counts_by_patient


def _current_episodes(ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """Patient id → their current episode (the active one, else the latest by onset)."""
    current: dict[Any, dict[str, Any]] = {}
    episodes = Episode.objects.filter(patient_id__in=ids).values(
        "id",
        "patient_id",
        "status",
        "symptom_onset_date",
        "resolved_on",
        "affected_side",
        "created_at",
    )
    for episode in episodes:
        best = current.get(episode["patient_id"])
        rank = (
            episode["status"] == EpisodeStatus.ACTIVE,
            episode["symptom_onset_date"],
            episode["created_at"],
        )
        if best is None or rank > best["rank"]:
            current[episode["patient_id"]] = {**episode, "rank": rank}
    return current


def _adherence(
    episodes: dict[Any, dict[str, Any]], windows: dict[Any, tuple[dt.date, dt.date]]
) -> dict[Any, tuple[float, float]]:
    """Patient id → (sessions counted, sessions prescribed) of their current episode over
    their own 7-day window; two queries, with the definition of `apps.exercises.selectors`
    (mirrored in SQL by `_adherence_parts`; a test holds the three together)."""
    if not episodes:
        return {}
    first = min(start for start, _ in windows.values())
    last = max(end for _, end in windows.values())
    patient_of = {episode["id"]: patient_id for patient_id, episode in episodes.items()}
    items = (
        PlanItem.objects.filter(plan__episode_id__in=list(patient_of), plan__starts_on__lte=last)
        .filter(Q(plan__effective_ends_on__isnull=True) | Q(plan__effective_ends_on__gte=first))
        .values_list(
            "id",
            "days_per_week",
            "plan__episode_id",
            "plan__starts_on",
            "plan__effective_ends_on",
            "plan__episode__resolved_on",
        )
    )
    done: dict[Any, set[dt.date]] = {}
    for item_id, day in (
        ExerciseSession.objects.filter(episode_id__in=list(patient_of), date__range=(first, last))
        .order_by()  # the model's ordering would join recorded_at to the DISTINCT
        .values_list("plan_item_id", "date")
        .distinct()
    ):
        done.setdefault(item_id, set()).add(day)
    totals: dict[Any, tuple[float, float]] = {}
    for item_id, per_week, episode_id, starts_on, ends_on, resolved_on in items:
        patient_id = patient_of[episode_id]
        window_start, window_end = windows[patient_id]
        first_day = max(starts_on, window_start)
        last_day = min(ends_on or window_end, resolved_on or window_end, window_end)
        days = (last_day - first_day).days + 1
        if days <= 0:
            continue
        prescribed = per_week * days / 7
        days_done = sum(1 for day in done.get(item_id, ()) if first_day <= day <= last_day)
        counted, total = totals.get(patient_id, (0.0, 0.0))
        totals[patient_id] = (counted + min(days_done, prescribed), total + prescribed)
    return totals


#: Columns read with the page's rows in the ranking query itself (cheap index lookups for the
#: page's patients only); the rest come from bulk reads of those patients.
_ROW_COLUMNS: tuple[str, ...] = (
    "last_checkin_date",
    "pain_now_latest",
    "pain_7d_mean",
    "pain_previous_7d_mean",
)


def _weeks_since_onset(episode: dict[str, Any] | None, today: dt.date | None) -> int | None:
    """Whole weeks from onset to local today, or to ``resolved_on`` once resolved (frozen)."""
    if episode is None or today is None or episode["symptom_onset_date"] is None:
        return None
    end = min(today, episode["resolved_on"] or today)
    return max((end - episode["symptom_onset_date"]).days, 0) // 7


def _summarise(rows: list[Patient], dates: dict[str, dt.date]) -> list[Patient]:
    """``rows`` (patients read with `_ROW_COLUMNS`) completed with the other summary columns,
    from four bulk reads whatever their number: the current episodes, the adherence of their
    7-day windows (two reads) and the open flags. Adherence is computed exactly as
    `_adherence_parts` computes it in SQL, so a sort by it agrees with the values shown."""
    if not rows:
        return []
    ids = [row.pk for row in rows]
    # These rows are patient data handed to the caller (the cohort is read by id, not through
    # the recording access selectors): the access log must list them.
    record_patient_access(ids)
    todays = {row.pk: dates.get(row.timezone) for row in rows}
    episodes = _current_episodes(ids)
    windows = {
        pk: (today - dt.timedelta(days=WINDOW_DAYS - 1), today)
        for pk, today in todays.items()
        if today is not None
    }
    adherence = _adherence(
        {pk: episode for pk, episode in episodes.items() if pk in windows}, windows
    )
    flags = open_flag_counts_by_patient(ids)
    for row in rows:
        today = todays[row.pk]
        episode = episodes.get(row.pk)
        row.episode_id = episode["id"] if episode else None
        row.episode_status = episode["status"] if episode else None
        row.affected_side = episode["affected_side"] if episode else None
        row.weeks_since_onset = _weeks_since_onset(episode, today)
        last = row.last_checkin_date
        row.days_since_last_checkin = None if last is None else (today - last).days
        row.pain_7d_change = (
            None
            if row.pain_7d_mean is None or row.pain_previous_7d_mean is None
            else row.pain_7d_mean - row.pain_previous_7d_mean
        )
        counted, prescribed = adherence.get(row.pk, (0.0, 0.0))
        row.adherence_7d = min(counted / prescribed, 1.0) if prescribed > 0 else None
        for severity in SEVERITIES:
            setattr(row, f"open_flags_{severity}", flags[row.pk][severity])
    return rows


class PatientSummaries(Sequence):
    """The cohort, sorted and filtered in SQL, summarised only for the rows asked for.

    Behaves like a queryset for paginators (``count()``, slicing): a slice costs one query for
    the page's rows in order and four bulk reads for their summaries, whatever the size of the
    cohort; ``count()`` is free when the cohort is not filtered (the time-zone query counted
    it), one query otherwise."""

    ordered = True

    def __init__(
        self,
        page: QuerySet[Patient],
        dates: dict[str, dt.date],
        *,
        count: int | None = None,
        ranking: Callable[[], QuerySet[Patient]] | None = None,
    ) -> None:
        self._page = page
        self._dates = dates
        self._count = count
        self._ranking = ranking

    def count(self) -> int:
        if self._count is None:
            # Only the filtered columns, no rows: the count needs no join to the users.
            self._count = self._ranking().count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, slice):
            return _summarise(list(self._page[key]), self._dates)
        rows = self[key : key + 1]
        if not rows:
            raise IndexError(key)
        return rows[0]

    def __iter__(self):
        return iter(self[:])
