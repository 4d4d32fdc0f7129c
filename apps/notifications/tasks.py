"""Celery adapters: take ids, call one service."""

from __future__ import annotations

from celery import shared_task

from apps.core.queueing import DB_RETRY, send_or_leave_to_sweep
from apps.notifications import flag_announcements, services
from apps.notifications.conf import notification_settings


def _backoff(retries: int) -> float:
    conf = notification_settings()
    factor: int = 2**retries
    return min(conf.retry_backoff_seconds * factor, conf.retry_backoff_max_seconds)


# The delivery attempts are counted in the task's own ``delivery_retries`` argument, not in
# Celery's ``request.retries``: that one also counts the DB_RETRY re-runs, and a few lock
# timeouts must never turn the next provider error into the final attempt of an emergency push.


@shared_task(bind=True, name="notifications.deliver_notification", ignore_result=True, **DB_RETRY)
def deliver_notification(self, notification_id: str, delivery_retries: int = 0) -> None:
    """Deliver one notification. Only our own TransientDeliveryError is retried, with
    exponential backoff and a cap read from settings at run time; a duplicate or late run
    finds the row already claimed and does nothing."""
    conf = notification_settings()
    final_attempt = delivery_retries >= conf.max_retries
    try:
        services.notification_deliver(notification_id=notification_id, final_attempt=final_attempt)
    except services.TransientDeliveryError as error:
        raise self.retry(
            exc=error,
            kwargs={"delivery_retries": delivery_retries + 1},
            countdown=_backoff(delivery_retries),
            max_retries=None,  # bounded by final_attempt above
        ) from error


@shared_task(bind=True, name="notifications.deliver_notifications", ignore_result=True, **DB_RETRY)
def deliver_notifications(self, notification_ids: list[str], delivery_retries: int = 0) -> int:
    """Deliver a batch of notifications (stored together by ``notify_many``). The retry
    carries only the ids that failed transiently, so each retry counts for all it carries;
    ids already sent, or held by another run, are left alone."""
    conf = notification_settings()
    final_attempt = delivery_retries >= conf.max_retries
    outcome = services.notifications_deliver_batch(
        notification_ids=notification_ids, final_attempt=final_attempt
    )
    if outcome.transient_ids:
        raise self.retry(
            args=[[str(pk) for pk in outcome.transient_ids]],
            kwargs={"delivery_retries": delivery_retries + 1},
            exc=services.TransientDeliveryError(f"{len(outcome.transient_ids)} notification(s)"),
            countdown=_backoff(delivery_retries),
            max_retries=None,  # bounded by final_attempt above
        )
    return len(outcome.handled)


@shared_task(name="notifications.dispatch_due_notifications", ignore_result=True, **DB_RETRY)
def dispatch_due_notifications() -> int:
    """Beat, every minute: enqueue deferred notifications whose quiet hours are over."""
    return services.notifications_dispatch_due()


# --- Who hears about a flag (apps/notifications/flag_announcements.py) ---------------------


@shared_task(name="notifications.announce_new_flags", **DB_RETRY)
def announce_new_flags(flag_ids: list[str] | None = None) -> int:
    """Announce every flag not announced yet (the ids of a kick are only a hint: the run
    claims whatever is pending). Kicked after the commit of an evaluation that opened flags,
    and by beat every minute (`notifications-announce-new-flags`)."""
    announced = flag_announcements.flags_announce_pending()
    if announced >= flag_announcements.ANNOUNCE_BATCH:
        send_or_leave_to_sweep(announce_new_flags)  # the rest at once, not in a minute
    return announced


def kick_flag_announcements(flag_ids: list) -> None:
    """The listener of `apps.flags.hooks.flags_opened` (NotificationsConfig.ready): publish
    one `notifications.announce_new_flags`; a broker that is down is left to the tick."""
    send_or_leave_to_sweep(announce_new_flags, [str(flag_id) for flag_id in flag_ids])


# Names kept from when these lived in apps.flags (beat schedules and queued messages).
@shared_task(name="flags.escalate_unacknowledged_urgent")
def escalate_unacknowledged_urgent() -> int:
    return flag_announcements.flags_escalate_unacknowledged()


@shared_task(name="flags.send_daily_digests")
def send_daily_digests() -> int:
    return flag_announcements.flags_send_daily_digests()
