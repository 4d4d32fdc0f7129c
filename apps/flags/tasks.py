"""Celery adapters of the flag engine: take ids, call one service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.core.queueing import send_or_leave_to_sweep
from apps.episodes.selectors import active_episodes
from apps.flags import services
from apps.flags.models import SweepState
from apps.flags.record_changes import evaluate_through_today, record_changes_process
from apps.flags.rules import thresholds_in_force

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 200


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
def sweep_active_episodes(batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Nightly: evaluate every active episode for its patient's local today, for what time
    alone changes (missed_checkins, not_resolving, no_improvement_2_weeks, low_adherence).
    Not a safety net for writes: every write's evaluation is durable in the record-change
    outbox (`process_record_changes`). In batches keyed by episode id,
    recording progress, so a run cut short resumes where it stopped; re-running is harmless
    because evaluation is idempotent. Returns how many episodes this run evaluated."""
    day = timezone.now().date()
    with transaction.atomic():
        state, _ = SweepState.objects.get_or_create(day=day)
    if state.finished_at is not None:
        return 0
    thresholds = thresholds_in_force()
    evaluated = 0
    last_id = state.last_episode_id
    while True:
        ids = active_episodes().order_by("id")
        if last_id is not None:
            ids = ids.filter(id__gt=last_id)
        batch = list(ids.values_list("id", flat=True)[:batch_size])
        if not batch:
            break
        # One transaction per batch: a run cut short loses at most the batch in progress,
        # which the next run evaluates again.
        evaluated += services.episodes_evaluate_today(episode_ids=batch, thresholds=thresholds)
        last_id = batch[-1]
        SweepState.objects.filter(pk=state.pk).update(last_episode_id=last_id)
    SweepState.objects.filter(pk=state.pk).update(finished_at=timezone.now())
    return evaluated
