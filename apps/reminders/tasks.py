"""Celery adapters for reminders."""

from __future__ import annotations

from celery import shared_task

from apps.core.queueing import DB_RETRY, send_or_leave_to_sweep
from apps.reminders import services


@shared_task(name="reminders.claim_due_reminders", ignore_result=True, **DB_RETRY)
def claim_due_reminders() -> int:
    """Beat, every minute: claim due reminders in batches and hand them to notifications.
    A tick that stopped at its limit with rows still due runs again at once, so a backlog
    drains without waiting for the next beat."""
    result = services.reminders_claim_due()
    if result.more_due:
        send_or_leave_to_sweep(claim_due_reminders)
    return result.claimed
