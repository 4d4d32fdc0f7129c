"""Enqueueing tasks after a write commits, without making the write depend on the broker.

A check-in must be stored even when Redis (the broker) is down: the phone cannot tell a
stored-but-unevaluated check-in from a failed one, and would retry forever. Every task sent
from a request therefore has a durable row and a beat tick behind it that finds the work
again once the broker is back (flags: the record-change outbox and
``flags.process_record_changes`` each minute; notifications:
``notifications.dispatch_due_notifications`` each minute), and a failed publish is logged and
left to that tick instead of turning a committed write into a 500.
"""

from __future__ import annotations

import logging
from functools import partial

from celery import Task
from django.db import OperationalError as DjangoOperationalError
from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# Publishing is retried briefly, then given up: the request is waiting on it.
PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}


def send_or_leave_to_sweep(task: Task[..., object], *args: object) -> bool:
    """Publish ``task`` with ``args`` now. True if the broker took it; False (logged) if the
    broker is unreachable, in which case the task's sweep picks the work up later."""
    try:
        task.apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY_POLICY)
    except OperationalError as error:
        logger.warning("broker unreachable; %s left to its sweep (%s)", task.name, type(error))
        return False
    return True


def enqueue_on_commit(task: Task[..., object], *args: object) -> None:
    """Publish ``task`` once the current transaction commits (never for a rolled-back write);
    see ``send_or_leave_to_sweep`` for what happens when the broker is down."""
    transaction.on_commit(partial(send_or_leave_to_sweep, task, *args))


#: Task options for work whose every step is a conditional claim (a re-run never does it
#: twice): a transient database error (a lock not granted within the busy timeout, a dropped
#: connection) is retried promptly with jittered backoff (1, 2, 4 … 60 s) instead of failing
#: the task and waiting for a sweep (docs/operations.md).
DB_RETRY: dict = {
    "autoretry_for": (DjangoOperationalError,),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 10,
}
