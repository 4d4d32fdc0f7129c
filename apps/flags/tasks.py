"""Celery adapters of the flag engine: take ids, call one service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from apps.core.queueing import send_or_leave_to_sweep
from apps.flags import sweep
from apps.flags.record_changes import evaluate_through_today, record_changes_process

logger = logging.getLogger(__name__)


@shared_task(name="flags.process_record_changes")
def process_record_changes() -> int:
    """Claim pending record changes (the outbox of apps.episodes) and evaluate their episodes
    (apps/flags/record_changes.py). Kicked after the commit of every write, and by beat every
    minute: the tick is what makes a change whose kick the broker lost evaluated anyway.
    Returns how many change rows this run processed."""
    result = record_changes_process()
    if result.failed:
        logger.warning(
            "record changes: %d claimed, %d processed, %d failed (retried later)",
            result.claimed,
            result.processed,
            result.failed,
        )
    if result.more_due:
        send_or_leave_to_sweep(process_record_changes)  # the rest at once, not in a minute
    return result.processed


def kick_record_changes(_: None = None) -> None:
    """The after-commit kick registered with apps.episodes (FlagsConfig.ready): publish one
    `flags.process_record_changes`. A broker that is down is logged and left to the tick."""
    send_or_leave_to_sweep(process_record_changes)


@shared_task(name="flags.evaluate_episode")
def evaluate_episode(episode_id: str, dates: list[str] | None = None) -> None:
    """Kept for messages queued by an earlier deploy (writes now go through the record-change
    outbox): evaluate an episode from the earliest of ``dates`` (ISO local dates) through the
    patient's local today; with no dates, from its latest date with data."""
    earliest = min(dt.date.fromisoformat(d) for d in dates) if dates else None
    evaluated = evaluate_through_today(episode_id, earliest)
    logger.info("episode evaluated: episode=%s dates=%d", episode_id, evaluated)


@shared_task(name="flags.sweep_active_episodes")
def sweep_active_episodes(batch_size: int | None = None) -> int:
    """Nightly: evaluate every active episode for its patient's local today, for what time
    alone changes (missed_checkins, not_resolving, no_improvement_2_weeks, low_adherence).
    Not a safety net for writes: every write's evaluation is durable in the record-change
    outbox (`process_record_changes`). The first run of the (UTC) day cuts the active
    episodes into chunks and publishes helpers (`sweep_chunks`); every run then claims chunks
    until none is left (apps/flags/sweep.py), so any number of workers share the sweep and a
    chunk whose worker died is claimed again once its lease has run out (the next hourly run
    at the latest). Re-running is harmless: evaluation is idempotent. Returns how many
    episodes this run evaluated."""
    day = timezone.now().date()
    return sweep.sweep_run(
        day,
        publish_helper=lambda: send_or_leave_to_sweep(sweep_chunks, day.isoformat()),
        batch_size=batch_size,
    )


@shared_task(name="flags.sweep_chunks")
def sweep_chunks(day: str) -> int:
    """A helper of the day's sweep: claim and evaluate its chunks until none is left."""
    return sweep.sweep_work(dt.date.fromisoformat(day), config=sweep.sweep_config())
