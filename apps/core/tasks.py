from __future__ import annotations

from celery import shared_task


@shared_task(name="core.echo")
def echo(value: str) -> str:
    """Round-trip check used by health tooling and tests: proves a worker consumes the queue."""
    return value
