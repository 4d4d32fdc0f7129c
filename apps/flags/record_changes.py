"""The flag engine's side of the record-change outbox (apps.episodes.record_changes).

`record_changes_process` claims pending change rows a batch at a time, evaluates each episode
of the batch from its earliest changed date through the patient's local today, and marks the
rows processed. An episode whose evaluation raises (a database error, a bug) leaves its rows
claimable again after a backoff; a worker that dies leaves them claimable once the lease runs
out. Nothing is dropped: the row stays until an evaluation after it has been stored.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from dataclasses import dataclass

from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.record_changes import (
    ClaimedChange,
    RecordChangeClaim,
    RecordChangeConfig,
    record_change_config,
    record_changes_claim,
    record_changes_failed,
    record_changes_processed,
    record_changes_prune,
)
from apps.flags import services
from apps.flags.rules import Thresholds, thresholds_in_force

logger = logging.getLogger(__name__)


@dataclass
class ProcessResult:
    claimed: int = 0
    processed: int = 0
    failed: int = 0
    episodes: int = 0
    # The run stopped with rows possibly still due (batch or time budget): run again.
    more_due: bool = False


def record_changes_process() -> ProcessResult:
    """Claim and evaluate pending record changes until none is due, or MAX_BATCHES or
    MAX_SECONDS (then ``more_due``). Then prune one batch of old processed rows."""
    config = record_change_config()
    result = ProcessResult()
    started = time.monotonic()
    thresholds = thresholds_in_force()
    for _ in range(config.max_batches):
        claim = record_changes_claim(limit=config.batch_size, lease=config.lease)
        if claim.rows:
            _process_claim(claim, config=config, thresholds=thresholds, result=result)
        if len(claim.rows) < config.batch_size:
            break
        if time.monotonic() - started > config.max_seconds:
            result.more_due = True
            break
    else:
        result.more_due = True
    record_changes_prune()
    return result


def _process_claim(
    claim: RecordChangeClaim,
    *,
    config: RecordChangeConfig,
    thresholds: Thresholds,
    result: ProcessResult,
) -> None:
    result.claimed += len(claim.rows)
    grouped = claim.by_episode()
    episodes = Episode.objects.select_related("patient").in_bulk(list(grouped))
    done: list[ClaimedChange] = []
    for episode_id, rows in grouped.items():
        try:
            episode = episodes.get(episode_id)
            if episode is not None:
                _evaluate_changes(episode, rows, thresholds=thresholds)
        except Exception as error:  # noqa: BLE001 - kept on the rows, retried with backoff
            record_changes_failed(claim=claim, rows=rows, error=error, config=config)
            result.failed += len(rows)
            continue
        done.extend(rows)
        result.episodes += 1
    try:
        # The outbox's read models refresh here (`record_changes_applied`), with the marking.
        result.processed += record_changes_processed(ids=[row.id for row in done])
    except Exception as error:  # noqa: BLE001 - kept on the rows, retried with backoff
        record_changes_failed(claim=claim, rows=done, error=error, config=config)
        result.failed += len(done)


def _evaluate_changes(
    episode: Episode, rows: list[ClaimedChange], *, thresholds: Thresholds
) -> None:
    """One evaluation per episode: from the earliest changed date through the patient's local
    today; a whole-episode change (no date) from the latest date with a check-in."""
    dated = [row.from_date for row in rows if row.from_date is not None]
    whole = len(dated) < len(rows)
    if whole:
        services.episode_evaluate(episode_id=episode.pk, thresholds=thresholds)
    if dated:
        services.episode_evaluate(
            episode_id=episode.pk,
            dates=dates_from(min(dated), today=local_today(episode.patient.timezone)),
            thresholds=thresholds,
        )


def dates_from(earliest: dt.date, *, today: dt.date) -> list[dt.date]:
    """``earliest`` through ``today`` (at most MAX_EVALUATED_DAYS)."""
    return services.dates_to_evaluate(today=today, earliest=earliest, latest_with_data=None)


def evaluate_through_today(episode_id: uuid.UUID | str, earliest: dt.date | None) -> int:
    """`flags.evaluate_episode` of an earlier deploy: from ``earliest`` (None: the latest date
    with data) through the patient's local today. Returns how many dates were evaluated."""
    dates = None
    if earliest is not None:
        episode = Episode.objects.select_related("patient").filter(pk=episode_id).first()
        if episode is None:
            return 0
        dates = dates_from(earliest, today=local_today(episode.patient.timezone))
    return len(services.episode_evaluate(episode_id=episode_id, dates=dates).dates)
