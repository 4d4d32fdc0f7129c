from __future__ import annotations

import logging
import socket

from celery import shared_task
from celery.signals import beat_init
from django.conf import settings
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

logger = logging.getLogger(__name__)

HEARTBEAT_NAME = "celery"


@shared_task(name="core.echo")
def echo(value: str) -> str:
    """Round-trip check used by health tooling and tests: proves a worker consumes the queue."""
    return value


@shared_task(name="core.heartbeat", ignore_result=True)
def heartbeat() -> None:
    """Beat, every ``HEALTH_HEARTBEAT_SECONDS`` (entry ``core-heartbeat``, expiring after the
    same time): a worker records that it ran a task beat sent moments ago, which proves beat,
    the broker and a worker at once (apps.core.health.check_worker)."""
    from apps.core.models import Heartbeat

    Heartbeat.objects.bulk_create(
        [Heartbeat(name=HEARTBEAT_NAME, beaten_at=timezone.now(), hostname=_hostname())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["beaten_at", "hostname"],
    )


def _hostname() -> str:
    return socket.gethostname()[:200]


@beat_init.connect(weak=False)
def _first_heartbeat_at_beat_start(**_kwargs) -> None:
    """Beat's first interval run comes one interval after it starts: send one at once, so a
    fresh start is healthy as soon as the worker runs it."""
    try:
        heartbeat.apply_async(expires=settings.HEALTH_HEARTBEAT_SECONDS, retry=False)
    except BrokerError as error:  # the next interval run tries again
        logger.warning("first heartbeat not sent (%s)", type(error).__name__)
