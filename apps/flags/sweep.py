"""The nightly sweep as chunks that any number of workers share (docs/flags.md, docs/scaling.md).

A day's sweep is one `SweepState` row. The first tick of the day *plans* it: the active
episodes, in id order, are cut into `SweepChunk` rows of ``CHUNK_SIZE`` ids each, by their
boundaries only — chunk ``n`` holds the active episodes with ids in (``after_id``,
``through_id``], the first and last chunks open-ended, so the chunks partition the id space
and every episode belongs to exactly one (one that becomes active later the same day is in the
chunk its id falls in). The planner then publishes ``PARALLEL_TASKS - 1`` helper tasks and
works itself: each task claims one pending chunk at a time and evaluates it, until none is
left. Claimed, not fanned out blindly: N workers share the chunks whatever N is, and a task
that finds nothing to claim returns at once.

A claim is a lease: `SELECT … FOR UPDATE SKIP LOCKED` of the first claimable chunk, then a
conditional `UPDATE` (on SQLite, whose transactions here take the write lock at BEGIN, the
conditional `UPDATE` alone decides). A chunk is claimable while it is not done, its lease (if
any) has run out, and it has had fewer than ``MAX_ATTEMPTS`` claims. A worker renews its lease
after each batch of ``BATCH_SIZE`` episodes and stops if another worker has taken the chunk
over. A worker killed in a chunk leaves it to the next claim after ``LEASE_SECONDS``: the
next tick (beat, hourly) or a task still working. Re-evaluating an episode the same day is
harmless (the engine is idempotent), and a chunk is only redone when its worker died.

Settings: ``settings.FLAG_SWEEP`` overrides `DEFAULTS`, read on every call.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.episodes.selectors import active_episodes
from apps.flags import services
from apps.flags.models import SweepChunk, SweepState
from apps.flags.rules import Thresholds, thresholds_in_force

logger = logging.getLogger(__name__)

DEFAULTS: dict[str, float] = {
    # One batch per chunk: the last chunk of a day, worked by one process while the others
    # have nothing left, is then 200 episodes, not 500 (the 2-process bench figure's idle tail).
    "CHUNK_SIZE": 200,
    "BATCH_SIZE": 200,
    "LEASE_SECONDS": 600,
    "MAX_ATTEMPTS": 3,
    # Tasks that work on one day's chunks at once: the tick and PARALLEL_TASKS - 1 helpers.
    "PARALLEL_TASKS": 4,
}


@dataclass(frozen=True)
class SweepConfig:
    chunk_size: int
    batch_size: int
    lease: dt.timedelta
    max_attempts: int
    parallel_tasks: int


def sweep_config(batch_size: int | None = None) -> SweepConfig:
    merged = {**DEFAULTS, **getattr(settings, "FLAG_SWEEP", {})}
    return SweepConfig(
        chunk_size=max(1, int(merged["CHUNK_SIZE"])),
        batch_size=max(1, int(batch_size or merged["BATCH_SIZE"])),
        lease=dt.timedelta(seconds=float(merged["LEASE_SECONDS"])),
        max_attempts=max(1, int(merged["MAX_ATTEMPTS"])),
        parallel_tasks=max(1, int(merged["PARALLEL_TASKS"])),
    )


def worker_name() -> str:
    """Who holds a claim: host, process and a random suffix (two tasks of one process never
    share a name)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def sweep_plan(day: dt.date, config: SweepConfig) -> tuple[SweepState, bool]:
    """The day's sweep, planned into chunks if it was not yet. Returns the state and whether
    this call planned it (then the caller publishes the helpers)."""
    with transaction.atomic():
        state, _ = SweepState.objects.get_or_create(day=day)
        locked = SweepState.objects.select_for_update().get(pk=state.pk)
        if locked.planned_at is not None or locked.finished_at is not None:
            return locked, False
        boundaries = _chunk_boundaries(config.chunk_size)
        edges = [None, *boundaries, None]
        SweepChunk.objects.bulk_create(
            SweepChunk(sweep=locked, number=n, after_id=edges[n], through_id=edges[n + 1])
            for n in range(len(edges) - 1)
        )
        locked.planned_at = timezone.now()
        locked.save(update_fields=["planned_at"])
    return locked, True


def _chunk_boundaries(chunk_size: int) -> list[uuid.UUID]:
    """The id of every ``chunk_size``-th active episode, in id order: one index range read of
    ``chunk_size`` rows per chunk (keyset), never the whole id list in memory."""
    active = active_episodes().order_by("id")
    boundaries: list[uuid.UUID] = []
    while True:
        page = active.filter(id__gt=boundaries[-1]) if boundaries else active
        nth = list(page.values_list("id", flat=True)[chunk_size - 1 : chunk_size])
        if not nth:
            return boundaries
        boundaries.append(nth[0])


def chunk_claim(state: SweepState, *, holder: str, config: SweepConfig) -> SweepChunk | None:
    """Claim the first claimable chunk of ``state`` for ``config.lease`` (None: nothing to
    claim now: all done, or held by live leases)."""
    now = timezone.now()
    claimable = Q(done_at__isnull=True, attempts__lt=config.max_attempts) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )
    with transaction.atomic():
        pending = SweepChunk.objects.filter(claimable, sweep=state).order_by("number")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        chunk_id = pending.values_list("id", flat=True).first()
        if chunk_id is None:
            return None
        taken = SweepChunk.objects.filter(claimable, pk=chunk_id).update(
            claimed_by=holder, lease_until=now + config.lease, attempts=F("attempts") + 1
        )
        if not taken:
            return None
    return SweepChunk.objects.get(pk=chunk_id)


def _renew(chunk: SweepChunk, *, holder: str, config: SweepConfig) -> bool:
    """Move the lease on; False if another worker has taken the chunk over (stop then)."""
    return bool(
        SweepChunk.objects.filter(pk=chunk.pk, claimed_by=holder, done_at__isnull=True).update(
            lease_until=timezone.now() + config.lease
        )
    )


def chunk_evaluate(
    chunk: SweepChunk, *, holder: str, config: SweepConfig, thresholds: Thresholds
) -> int:
    """Evaluate the chunk's active episodes for their local today, ``BATCH_SIZE`` at a time
    (one transaction each, `episodes_evaluate_today`), then mark it done. Returns how many
    episodes were evaluated (0 if the chunk was taken over)."""
    episodes = active_episodes().order_by("id")
    if chunk.after_id is not None:
        episodes = episodes.filter(id__gt=chunk.after_id)
    if chunk.through_id is not None:
        episodes = episodes.filter(id__lte=chunk.through_id)
    evaluated = 0
    last_id: uuid.UUID | None = None
    while True:
        page = episodes.filter(id__gt=last_id) if last_id is not None else episodes
        batch = list(page.values_list("id", flat=True)[: config.batch_size])
        if not batch:
            break
        evaluated += services.episodes_evaluate_today(episode_ids=batch, thresholds=thresholds)
        last_id = batch[-1]
        if not _renew(chunk, holder=holder, config=config):
            logger.warning("sweep chunk %s taken over by another worker", chunk.number)
            return evaluated
    SweepChunk.objects.filter(pk=chunk.pk, claimed_by=holder).update(
        done_at=timezone.now(), lease_until=None, evaluated=evaluated
    )
    if last_id is not None:
        SweepState.objects.filter(
            Q(last_episode_id__isnull=True) | Q(last_episode_id__lt=last_id), pk=chunk.sweep_id
        ).update(last_episode_id=last_id)
    return evaluated


def sweep_work(day: dt.date, *, config: SweepConfig, thresholds: Thresholds | None = None) -> int:
    """Claim and evaluate the day's chunks until none is claimable; mark the sweep finished
    once every chunk is done (or has used its attempts). Returns how many episodes this call
    evaluated."""
    state = SweepState.objects.filter(day=day).first()
    if state is None or state.finished_at is not None:
        return 0
    thresholds = thresholds or thresholds_in_force()
    holder = worker_name()
    evaluated = 0
    while (chunk := chunk_claim(state, holder=holder, config=config)) is not None:
        evaluated += chunk_evaluate(chunk, holder=holder, config=config, thresholds=thresholds)
    _finish_if_complete(state, config=config)
    return evaluated


def _finish_if_complete(state: SweepState, *, config: SweepConfig) -> None:
    left = SweepChunk.objects.filter(
        sweep=state, done_at__isnull=True, attempts__lt=config.max_attempts
    )
    if left.exists():
        return
    given_up = SweepChunk.objects.filter(sweep=state, done_at__isnull=True).count()
    if given_up:
        logger.error("sweep %s: %d chunks given up after their attempts", state.day, given_up)
    SweepState.objects.filter(pk=state.pk, finished_at__isnull=True).update(
        finished_at=timezone.now()
    )


def sweep_run(
    day: dt.date, *, publish_helper: Callable[[], object], batch_size: int | None = None
) -> int:
    """The tick: plan the day if it is not yet (then publish ``PARALLEL_TASKS - 1`` helpers,
    at most one per chunk beyond the first), and work on its chunks. Returns how many episodes
    this call evaluated."""
    config = sweep_config(batch_size)
    state, planned = sweep_plan(day, config)
    if state.finished_at is not None:
        return 0
    if planned:
        chunks = SweepChunk.objects.filter(sweep=state).count()
        for _ in range(min(config.parallel_tasks, chunks) - 1):
            publish_helper()
    return sweep_work(day, config=config)
