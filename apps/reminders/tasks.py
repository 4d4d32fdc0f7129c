"""Celery adapters for reminders."""

from __future__ import annotations

from celery import shared_task

from apps.reminders import services


@shared_task(name="reminders.claim_due_reminders", ignore_result=True)
def claim_due_reminders() -> int:
    """Beat, every minute: claim due reminders in batches and hand them to notifications."""
    return services.reminders_claim_due().claimed
