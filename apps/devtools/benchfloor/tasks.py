"""The Celery floor: a task that does nothing but count itself, so the bench knows when N ran."""

from __future__ import annotations

from celery import shared_task
from django.core.cache import cache

COUNTER_KEY = "benchfloor:noop"


@shared_task(name="benchfloor.noop")
def noop() -> None:
    # One Redis INCR: the cheapest way to let another process see that the task ran.
    cache.incr(COUNTER_KEY)


@shared_task(name="benchfloor.fan_out_noops")
def fan_out_noops(count: int) -> None:
    """Enqueue ``count`` no-op tasks from a worker, as a beat task enqueues per-item work."""
    for _ in range(count):
        noop.delay()
