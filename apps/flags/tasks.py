"""Celery adapters of the flag engine: take ids, call one service."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from apps.flags import services
from apps.flags.models import SweepState
from apps.flags.rules import thresholds_in_force

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 200


@shared_task(name="flags.evaluate_episode")
def evaluate_episode(episode_id: str, dates: list[str] | None = None) -> None:
    """Evaluate an episode from the earliest of ``dates`` (ISO local dates) through the
    patient's local today; with no dates, from its latest date with data."""
    earliest = min(dt.date.fromisoformat(d) for d in dates) if dates else None
    outcome = services.episode_evaluate(
        episode_id=episode_id,
        dates=_through_today(episode_id, earliest) if earliest else None,
    )
    logger.info(
        "episode evaluated: episode=%s dates=%d opened=%d updated=%d withdrawn=%d",
        episode_id,
        len(outcome.dates),
        len(outcome.opened),
        len(outcome.updated),
        len(outcome.withdrawn),
    )


def _through_today(episode_id: str, earliest: dt.date) -> list[dt.date]:
    from apps.episodes.models import Episode

    episode = Episode.objects.select_related("patient").filter(pk=episode_id).first()
    if episode is None:
        return []
    today = services.local_today_of_episode(episode)
    return services.dates_to_evaluate(today=today, earliest=earliest, latest_with_data=None)


@shared_task(name="flags.sweep_active_episodes")
def sweep_active_episodes(batch_size: int = SWEEP_BATCH_SIZE) -> int:
    """Nightly: evaluate every active episode for its patient's local today (catches what a
    lost task missed, and the rules that move with time). In batches keyed by episode id,
    recording progress, so a run cut short resumes where it stopped; re-running is harmless
    because evaluation is idempotent. Returns how many episodes this run evaluated."""
    from apps.episodes.models import Episode

    day = timezone.now().date()
    with transaction.atomic():
        state, _ = SweepState.objects.get_or_create(day=day)
    if state.finished_at is not None:
        return 0
    thresholds = thresholds_in_force()
    evaluated = 0
    last_id = state.last_episode_id
    while True:
        ids = Episode.objects.filter(status="active").order_by("id")
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


@shared_task(name="flags.escalate_unacknowledged_urgent")
def escalate_unacknowledged_urgent() -> int:
    return services.flags_escalate_unacknowledged()


@shared_task(name="flags.send_daily_digests")
def send_daily_digests() -> int:
    return services.flags_send_daily_digests()
