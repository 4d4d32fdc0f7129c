"""Celery adapters: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from apps.notifications import services
from apps.notifications.conf import notification_settings


@shared_task(bind=True, name="notifications.deliver_notification", ignore_result=True)
def deliver_notification(self, notification_id: str) -> None:
    """Deliver one notification. Only our own TransientDeliveryError is retried, with
    exponential backoff and a cap read from settings at run time; a duplicate or late run
    finds the row already claimed and does nothing."""
    conf = notification_settings()
    final_attempt = self.request.retries >= conf.max_retries
    try:
        services.notification_deliver(notification_id=notification_id, final_attempt=final_attempt)
    except services.TransientDeliveryError as error:
        countdown = min(
            conf.retry_backoff_seconds * (2**self.request.retries), conf.retry_backoff_max_seconds
        )
        raise self.retry(exc=error, countdown=countdown, max_retries=conf.max_retries) from error


@shared_task(name="notifications.dispatch_due_notifications", ignore_result=True)
def dispatch_due_notifications() -> int:
    """Beat, every minute: enqueue deferred notifications whose quiet hours are over."""
    return services.notifications_dispatch_due()
