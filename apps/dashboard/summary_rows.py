"""The summary rows of one page of the cohort: the page's patients, read with their current
episode and open-flag counts in the ranking query itself, completed in Python.

Reads: exercises.PlanItem and exercises.ExerciseSession (the adherence of rows without a fresh
maintained summary: two bulk reads whatever their number, none when every row is fresh);
records the access (apps.core). `_current_episodes` is the bulk read of current episodes the
summary store uses.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db.models import QuerySet

from apps.accounts.models import Patient
from apps.core.access_recorder import record_patient_access
from apps.dashboard.summary_columns import SEVERITIES, WINDOW_DAYS
from apps.episodes.selectors import current_episode_of_values, current_episodes_by_patient
from apps.exercises.selectors import adherence_of_windows

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SummaryColumns(TypedDict):
    """The summary columns a summary row carries (besides ``open_flags_<severity>``)."""

    episode_id: uuid.UUID | None
    episode_status: str | None
    affected_side: str | None
    weeks_since_onset: int | None
    last_checkin_date: dt.date | None
    days_since_last_checkin: int | None
    pain_now_latest: int | None
    pain_7d_mean: float | None
    pain_previous_7d_mean: float | None
    pain_7d_change: float | None
    adherence_7d: float | None


if TYPE_CHECKING:
    #: A patient with the summary columns (`_summarise`).
    PatientSummary = WithAnnotations[Patient, SummaryColumns]

#: ``PatientSummaries.count()`` without a value: the number of rows.
_EVERY_ROW = object()


def _current_episodes(ids: list[Any]) -> dict[Any, dict[str, Any]]:
    """Patient id → their current episode (apps.episodes' one definition)."""
    return current_episodes_by_patient(ids, "resolved_on", "affected_side")


def _adherence(
    episodes: dict[Any, dict[str, Any]], windows: dict[Any, tuple[dt.date, dt.date]]
) -> dict[Any, float | None]:
    """Patient id → the adherence of their current episode over their own 7-day window; two
    queries (apps.exercises.adherence, the one definition, whose SQL form `_adherence_parts`
    uses, so a sort by it agrees with the values shown)."""
    found = adherence_of_windows(
        {episode["id"]: windows[patient_id] for patient_id, episode in episodes.items()}
    )
    ratios = {patient: found[episode["id"]].adherence for patient, episode in episodes.items()}
    return {patient: None if r is None else float(r) for patient, r in ratios.items()}


#: Columns read with the page's rows in the ranking query itself: a selected column that is
#: not sorted on is computed only for the rows kept by ``LIMIT`` (cheap index lookups for the
#: page's patients only), and one statement costs less than a bulk read after it. The current
#: episode comes as one JSON object (`current_episode_values_subquery`); the open-flag counts
#: are the SQL form a sort by them uses, so the values shown agree with the order.
_ROW_COLUMNS: tuple[str, ...] = (
    "last_checkin_date",
    "pain_now_latest",
    "pain_7d_mean",
    "pain_previous_7d_mean",
    "current_episode",
    *(f"open_flags_{severity}" for severity in SEVERITIES),
)
#: With maintained summaries, each row also says whether its summary stood in for the
#: computed columns (`summary_columns._stored_or_computed`: the columns of a stale summary
#: are computed in the same query), and brings the summary's adherence and latest scores,
#: shown when it did (NULL otherwise: `apps.dashboard.row_scores` reads those rows' scores).
_MAINTAINED_ROW_COLUMNS: tuple[str, ...] = (
    *_ROW_COLUMNS,
    "summary_fresh",
    "summary_adherence_7d",
    "summary_latest_scores",
)


def _weeks_since_onset(episode: dict[str, Any] | None, today: dt.date | None) -> int | None:
    """Whole weeks from onset to local today, or to ``resolved_on`` once resolved (frozen)."""
    if episode is None or today is None or episode["symptom_onset_date"] is None:
        return None
    end = min(today, episode["resolved_on"] or today)
    days: int = (end - episode["symptom_onset_date"]).days
    return max(days, 0) // 7


def _summarise(patients: list[Patient], dates: dict[str, dt.date]) -> list[PatientSummary]:
    """``rows`` (patients read with `_ROW_COLUMNS`) completed with the other summary columns:
    derived in Python from the columns read with the row, and the adherence of their 7-day
    windows read in bulk (two reads, only for rows without a fresh maintained summary).
    Adherence is computed exactly as `_adherence_parts` computes it in SQL, so a sort by it
    agrees with the values shown."""
    # The ranking query annotated `_ROW_COLUMNS` (chosen at run time, so untyped); the other
    # summary columns are set below.
    rows = cast("list[PatientSummary]", patients)
    if not rows:
        return []
    ids = [row.pk for row in rows]
    # These rows are patient data handed to the caller (the cohort is read by id, not through
    # the recording access selectors): the access log must list them.
    record_patient_access(ids)
    todays = {row.pk: dates.get(row.timezone) for row in rows}
    episodes = {
        row.pk: episode
        for row in rows
        if (episode := current_episode_of_values(getattr(row, "current_episode", None)))
    }
    windows = {
        pk: (today - dt.timedelta(days=WINDOW_DAYS - 1), today)
        for pk, today in todays.items()
        if today is not None
    }
    # Rows whose maintained summary was fresh bring their columns; the rest compute them.
    fresh = {row.pk for row in rows if getattr(row, "summary_fresh", False)}
    stale_windows = {pk: window for pk, window in windows.items() if pk not in fresh}
    adherence = _adherence(
        {pk: episode for pk, episode in episodes.items() if pk in stale_windows}, stale_windows
    )
    for row in rows:
        today = todays[row.pk]
        episode = episodes.get(row.pk)
        row.episode_id = episode["id"] if episode else None
        row.episode_status = episode["status"] if episode else None
        row.affected_side = episode["affected_side"] if episode else None
        row.weeks_since_onset = _weeks_since_onset(episode, today)
        last = row.last_checkin_date
        row.days_since_last_checkin = None if last is None or today is None else (today - last).days
        row.pain_7d_change = (
            None
            if row.pain_7d_mean is None or row.pain_previous_7d_mean is None
            else row.pain_7d_mean - row.pain_previous_7d_mean
        )
        row.adherence_7d = (
            getattr(row, "summary_adherence_7d", None) if row.pk in fresh else adherence.get(row.pk)
        )
    return rows


class PatientSummaries(Sequence):
    """The cohort, sorted and filtered in SQL, summarised only for the rows asked for.

    Behaves like a queryset for paginators (``count()``, slicing): a slice costs one query for
    the page's rows in order and at most two bulk reads for their summaries (adherence of the
    rows without a fresh maintained summary), whatever the size of the cohort; ``count()`` is
    free when the cohort is not filtered (the time-zone query counted it), one query
    otherwise."""

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

    def count(self, value: object = _EVERY_ROW, /) -> int:
        """The number of rows (a paginator's ``count()``); with a value, how often it occurs
        (``Sequence.count``)."""
        if value is not _EVERY_ROW:
            return super().count(value)
        if self._count is None:
            # Only the filtered columns, no rows: the count needs no join to the users.
            assert self._ranking is not None  # noqa: S101 - given whenever count is not
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
