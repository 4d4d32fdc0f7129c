"""Maintained patient summaries (`MaintainedSummary`): computed, stored and refreshed.

The dashboard ranks the whole cohort by columns that aggregate each patient's record (7-day
pain means, latest check-in, 7-day adherence). Computing them for every patient on every page
is most of the page's database work; a maintained summary stores them per patient, stamped
with the patient-local date and the time zone they were computed for. It is only a cache:
`apps.dashboard.summary_columns._fresh_summary` lets a summary stand in for the computed
columns only while

- it was computed for the patient's local today (time passing past local midnight, or a
  change of time zone — which goes through the accounts hook, not the outbox — makes it
  stale by its stamps alone),
- it was computed with the instrument catalogue of now (its ``scores_stamp``: a change of a
  score definition makes it stale; apps.dashboard.summary_scores), and
- no record change of the patient is pending in the outbox (every write of a check-in, a
  plan, a session, an episode or a questionnaire response, and every rescoring, writes one
  in its own transaction; apps.episodes.record_changes).

A stale summary is never shown: its columns are computed from the record in the same query,
for the stale rows only, and its latest scores read for those rows only (apps.dashboard.
row_scores). So a write that bypassed the outbox is the one way to make a
summary wrong; the generator's bulk rows are followed by a rebuild, as a backfill would be
(``manage.py rebuild_dashboard_summaries``).

Refreshed, always by `summaries_refresh`:
- when the outbox is processed (`refresh_for_episodes`, registered on
  `apps.episodes.record_changes.record_changes_applied`): in the transaction that marks the
  change rows processed, so the summary and "nothing pending" commit together;
- by the periodic task `dashboard.refresh_stale_summaries` for summaries whose date has
  passed, whose time zone changed, whose instrument catalogue changed
  (apps.dashboard.summary_scores), or that do not exist yet (`stale_summary_patients`);
- by the rebuild command.

Concurrent refreshes of the same patient are serialised by a row lock on the patient (``FOR
NO KEY UPDATE``: inserts that reference the patient are not blocked), so the summary that
commits last was computed after every write whose change row an earlier refresh marked.
The latest questionnaire scores are kept too (every response and every rescoring writes a
change row; the score definitions, which change outside the outbox, are stamped:
apps.dashboard.summary_scores). Open flags and the current episode stay live reads (cheap,
one query each, and flags change outside the outbox).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import Patient
from apps.dashboard.expressions import date_by_timezone
from apps.dashboard.models import MaintainedSummary
from apps.dashboard.row_scores import latest_scores_of
from apps.dashboard.summary_columns import (
    STORED_COLUMNS,
    WINDOW_DAYS,
    _dates_of,
    _ranking,
    _timezone_counts,
)
from apps.dashboard.summary_rows import _adherence, _current_episodes
from apps.dashboard.summary_scores import catalogue_stamp, current_catalogue_stamp
from apps.episodes.models import Episode

logger = logging.getLogger(__name__)

#: Patients refreshed per transaction by the periodic refresh and the rebuild.
BATCH_SIZE = 500

_UPDATED_FIELDS = [
    "computed_for",
    "timezone",
    "computed_at",
    *STORED_COLUMNS,
    "adherence_7d",
    "latest_scores",
    "scores_stamp",
]


def summaries_compute(
    patient_ids: Iterable[Any], *, now: dt.datetime | None = None
) -> list[MaintainedSummary]:
    """The summaries of these patients as computed from their record at ``now`` (unsaved):
    the dashboard's own computed columns (`_ranking` without maintained summaries), its
    adherence (`summary_rows._adherence`, the value the page shows) and the latest scores of
    the current episode as the row shows them (`row_scores`' read, rendered by
    `summary_scores.rendered_latest_score`), stamped with the instrument catalogue's digest,
    read before the scores (a catalogue changed in between leaves the summary stale, never
    wrongly fresh). Seven queries whatever the number of patients. Patients without a time
    zone get none (they have no local date; the dashboard computes theirs)."""
    now = now or timezone.now()
    stamp = current_catalogue_stamp()
    patients = Patient.objects.filter(pk__in=list(patient_ids))
    dates = _dates_of(_timezone_counts(patients), now)
    if not dates:
        return []
    columns = list(STORED_COLUMNS)
    rows = list(
        _ranking(patients.filter(timezone__in=list(dates)), dates, set(), selected=columns)
        .order_by()
        .values("pk", "timezone", *columns)
    )
    todays = {row["pk"]: dates[row["timezone"]] for row in rows}
    windows = {
        pk: (today - dt.timedelta(days=WINDOW_DAYS - 1), today) for pk, today in todays.items()
    }
    episodes = _current_episodes(list(todays))
    adherence = _adherence(episodes, windows)
    scores = latest_scores_of(episodes)
    return [
        MaintainedSummary(
            patient_id=row["pk"],
            computed_for=todays[row["pk"]],
            timezone=row["timezone"],
            computed_at=now,
            adherence_7d=adherence.get(row["pk"]),
            latest_scores=scores.get(row["pk"], []),
            scores_stamp=stamp,
            **{name: row[name] for name in columns},
        )
        for row in rows
    ]


def summaries_refresh(patient_ids: Iterable[Any], *, now: dt.datetime | None = None) -> int:
    """Recompute and store the summaries of these patients, in one transaction that holds a
    lock on each patient's row (see the module docstring). Returns how many were stored."""
    with transaction.atomic():
        return _refresh_locked(patient_ids, now=now)


def _refresh_locked(patient_ids: Iterable[Any], *, now: dt.datetime | None = None) -> int:
    """`summaries_refresh` inside the caller's transaction (no savepoint of its own)."""
    ids = sorted({pk for pk in patient_ids if pk is not None}, key=str)
    if not ids:
        return 0
    locked = list(
        Patient.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    summaries = summaries_compute(locked, now=now)
    stored = {summary.patient_id for summary in summaries}
    # A patient without a time zone has no summary: none of theirs may stay behind.
    MaintainedSummary.objects.filter(
        patient_id__in=[pk for pk in locked if pk not in stored]
    ).delete()
    MaintainedSummary.objects.bulk_create(
        summaries,
        update_conflicts=True,
        unique_fields=["patient"],
        update_fields=_UPDATED_FIELDS,
    )
    return len(summaries)


def refresh_for_episodes(episode_ids: list[uuid.UUID]) -> None:
    """`record_changes_applied` listener: refresh the summaries of these episodes' patients,
    in the transaction that marks their change rows processed (no savepoint: it must commit
    with the marking). A refresh that fails in Python (a bug in a summary column) must
    neither hold up the outbox nor leave a summary that no longer matches "nothing pending":
    those patients' summaries are deleted instead (the page computes them; the periodic
    refresh retries) and the error is logged. A database error aborts the transaction: the
    delete fails too, the error reaches the marking, which then marks nothing (retried)."""
    patients = list(Episode.objects.filter(pk__in=episode_ids).values_list("patient_id", flat=True))
    try:
        _refresh_locked(patients)
    except Exception as error:  # noqa: BLE001 - falls back to computing on read
        logger.error(  # noqa: TRY400 - the class name only, never a message with data
            "dashboard summaries of %d patients not refreshed (%s); computed on read",
            len(patients),
            type(error).__name__,
        )
        MaintainedSummary.objects.filter(patient_id__in=patients).delete()


def stale_summary_patients(*, now: dt.datetime | None = None, limit: int = BATCH_SIZE) -> list[Any]:
    """Up to ``limit`` patients (with a time zone) whose summary is missing, was computed for
    another local date than their today, in another time zone than theirs now, or with
    another instrument catalogue than today's (`summary_scores.catalogue_stamp`)."""
    patients = Patient.objects.exclude(timezone="")
    dates = _dates_of(_timezone_counts(patients), now)
    if not dates:
        return []
    stale = (
        Q(dashboard_summary__isnull=True)
        | ~Q(dashboard_summary__computed_for=F("local_today"))
        | ~Q(dashboard_summary__timezone=F("timezone"))
        | ~Q(dashboard_summary__scores_stamp=catalogue_stamp())
    )
    rows = (
        patients.filter(timezone__in=list(dates))
        .alias(local_today=date_by_timezone(dates))
        .filter(stale)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(rows[:limit])


def summaries_refresh_stale(
    *, now: dt.datetime | None = None, max_batches: int = 20, batch_size: int = BATCH_SIZE
) -> int:
    """Refresh stale summaries (`stale_summary_patients`) a batch per transaction, up to
    ``max_batches``. Returns how many were refreshed."""
    refreshed = 0
    for _batch in range(max_batches):
        ids = stale_summary_patients(now=now, limit=batch_size)
        if not ids:
            break
        refreshed += summaries_refresh(ids, now=now)
        if len(ids) < batch_size:
            break
    return refreshed


def summaries_rebuild(*, batch_size: int = BATCH_SIZE, now: dt.datetime | None = None) -> int:
    """Recompute every patient's summary (a backfill: after bulk writes that bypassed the
    outbox, or a change of what a summary holds), a batch per transaction. Returns how many
    were stored."""
    ids = list(Patient.objects.order_by("pk").values_list("pk", flat=True))
    return sum(
        summaries_refresh(ids[start : start + batch_size], now=now)
        for start in range(0, len(ids), batch_size)
    )
