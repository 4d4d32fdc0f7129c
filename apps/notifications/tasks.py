"""Celery adapters: take ids, call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from apps.notifications import services
from apps.notifications.conf import notification_settings

# A transient database error (a lock not granted within the busy timeout, a dropped
# connection) is retried promptly with jittered backoff (1, 2, 4 … 60 s) instead of failing
# the task: every step is a conditional claim, so a re-run never sends twice, and an
# emergency push no longer waits for the sweep's REDISPATCH_AFTER_SECONDS (docs/operations.md).
DB_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 1,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 10,
}


def _backoff(retries: int) -> float:
    conf = notification_settings()
    return min(conf.retry_backoff_seconds * (2**retries), conf.retry_backoff_max_seconds)


@shared_task(bind=True, name="notifications.deliver_notification", ignore_result=True, **DB_RETRY)
def deliver_notification(self, notification_id: str) -> None:
    """Deliver one notification. Only our own TransientDeliveryError is retried, with
    exponential backoff and a cap read from settings at run time; a duplicate or late run
    finds the row already claimed and does nothing."""
    conf = notification_settings()
    final_attempt = self.request.retries >= conf.max_retries
    try:
        services.notification_deliver(notification_id=notification_id, final_attempt=final_attempt)
    except services.TransientDeliveryError as error:
        countdown = _backoff(self.request.retries)
        raise self.retry(exc=error, countdown=countdown, max_retries=conf.max_retries) from error


@shared_task(bind=True, name="notifications.deliver_notifications", ignore_result=True, **DB_RETRY)
def deliver_notifications(self, notification_ids: list[str]) -> int:
    """Deliver a batch of notifications (stored together by ``notify_many``). The retry
    carries only the ids that failed transiently, so each retry counts for all it carries;
    ids already sent, or held by another run, are left alone."""
    conf = notification_settings()
    final_attempt = self.request.retries >= conf.max_retries
    outcome = services.notifications_deliver_batch(
        notification_ids=notification_ids, final_attempt=final_attempt
    )
    if outcome.transient_ids:
        raise self.retry(
            args=[[str(pk) for pk in outcome.transient_ids]],
            exc=services.TransientDeliveryError(f"{len(outcome.transient_ids)} notification(s)"),
            countdown=_backoff(self.request.retries),
            max_retries=conf.max_retries,
        )
    return len(outcome.handled)


@shared_task(name="notifications.dispatch_due_notifications", ignore_result=True, **DB_RETRY)
def dispatch_due_notifications() -> int:
    """Beat, every minute: enqueue deferred notifications whose quiet hours are over."""
    return services.notifications_dispatch_due()
