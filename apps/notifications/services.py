"""Writes about notifications: the one ``notify`` service, delivery, devices, preferences.

Idempotency comes from the database: ``Notification.dedup_key`` is unique, and delivery
claims the row with a conditional UPDATE (pending -> sending), so a task run twice, two
callers, or a redelivered message send once.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.accounts.models import Patient, User
from apps.core.exceptions import ValidationFailed
from apps.core.queueing import enqueue_on_commit
from apps.notifications.channels import DeliveryError, OutboundMessage, channel_class
from apps.notifications.channels.base import stringify
from apps.notifications.conf import notification_settings
from apps.notifications.models import (
    Channel,
    DeliveryAttempt,
    DeliveryOutcome,
    Device,
    Notification,
    NotificationPreference,
    NotificationStatus,
    Priority,
)
from apps.notifications.selectors import (
    is_patient,
    preference_for,
    recipient_timezone,
)
from apps.notifications.timing import local_date_of, quiet_hours_end_after

logger = logging.getLogger(__name__)

UNSET: Any = object()


class TransientDeliveryError(Exception):
    """A channel failed in a way that may pass: the delivery task retries with backoff."""


def _enqueue_delivery(notification_id: Any) -> None:
    from apps.notifications.tasks import deliver_notification

    enqueue_on_commit(deliver_notification, str(notification_id))


def _lease() -> dt.timedelta:
    return notification_settings().sending_lease


def _budget_used(user: User, local_date: dt.date) -> int:
    return (
        Notification.objects.filter(
            recipient=user, local_date=local_date, counts_toward_budget=True
        )
        .exclude(status=NotificationStatus.SKIPPED)
        .count()
    )


def notify(
    *,
    recipient: User | Patient,
    kind: str,
    title: str,
    body: str,
    dedup_key: str,
    priority: str = Priority.NORMAL,
    data: dict[str, Any] | None = None,
    channels: list[str] | None = None,
    expires_at: dt.datetime | None = None,
) -> Notification:
    """Send ``title``/``body`` to ``recipient`` — the one way to notify anyone.

    Stores a Notification (``dedup_key`` unique: the same key again returns the stored one
    and sends nothing) and enqueues its delivery after commit. For a patient at normal
    priority, quiet hours move it to their end and the daily budget may record it as
    skipped; ``priority="urgent"`` (emergency/urgent advice) bypasses both. ``channels``
    overrides the recipient's preferred channels; ``expires_at`` makes a late delivery be
    recorded as skipped instead (moved along with a quiet-hours deferral).
    """
    user = recipient.user if isinstance(recipient, Patient) else recipient
    if priority not in Priority.values:
        raise ValueError(f"Unknown priority {priority!r}")
    existing = Notification.objects.filter(dedup_key=dedup_key).first()
    if existing is not None:
        return existing
    now = timezone.now()
    try:
        with transaction.atomic():
            patient_rules = is_patient(user) and priority == Priority.NORMAL
            if patient_rules:
                # One notify at a time per patient, so two callers cannot both take the last
                # slot of the day's budget.
                User.objects.select_for_update().filter(pk=user.pk).first()
            preference = preference_for(user)
            tz_name = recipient_timezone(user)
            scheduled_for = now
            if patient_rules:
                quiet_end = quiet_hours_end_after(
                    now,
                    start=preference.quiet_hours_start,
                    end=preference.quiet_hours_end,
                    tz_name=tz_name,
                )
                if quiet_end is not None:
                    scheduled_for = quiet_end
                    if expires_at is not None:
                        expires_at += quiet_end - now
            local_date = local_date_of(scheduled_for, tz_name)
            status, reason = NotificationStatus.PENDING, ""
            if (
                patient_rules
                and _budget_used(user, local_date) >= notification_settings().daily_budget
            ):
                status, reason = NotificationStatus.SKIPPED, "daily_budget"
            send_now = status == NotificationStatus.PENDING and scheduled_for <= now
            notification = Notification.objects.create(
                recipient=user,
                kind=kind,
                title=title,
                body=body,
                data=data or {},
                priority=priority,
                channels=list(channels or []),
                dedup_key=dedup_key,
                status=status,
                status_reason=reason,
                scheduled_for=scheduled_for,
                expires_at=expires_at,
                local_date=local_date,
                counts_toward_budget=patient_rules and status == NotificationStatus.PENDING,
                enqueued_at=now if send_now else None,
            )
            if send_now:
                _enqueue_delivery(notification.pk)
    except IntegrityError:
        # Another caller stored the same dedup_key first: theirs is the notification.
        return Notification.objects.get(dedup_key=dedup_key)
    return notification


def _targets(
    notification: Notification, preference: NotificationPreference
) -> list[tuple[str, Device | None, str]]:
    """Every (channel, device, address) this notification should reach."""
    user = notification.recipient
    targets: list[tuple[str, Device | None, str]] = []
    for name in notification.channels or preference.channels:
        if name == Channel.PUSH:
            targets += [
                (name, device, device.token) for device in user.devices.filter(is_active=True)
            ]
        elif name == Channel.EMAIL:
            if user.email and preference.email_disabled_at is None:
                targets.append((name, None, user.email))
        elif name == Channel.SMS:
            if preference.phone_number and preference.sms_disabled_at is None:
                targets.append((name, None, preference.phone_number))
        else:  # development channels (console, recording) address the user by id
            targets.append((name, None, str(user.pk)))
    return targets


def _disable_target(*, user: User, channel: str, device: Device | None, reason: str) -> None:
    now = timezone.now()
    if device is not None:
        Device.objects.filter(pk=device.pk).update(
            is_active=False, disabled_at=now, disabled_reason=reason[:100]
        )
        logger.info("device %s disabled after a permanent push error", device.pk)
        return
    field = {Channel.SMS: "sms_disabled_at", Channel.EMAIL: "email_disabled_at"}.get(channel)
    if field is None:
        return
    preference = preference_for(user)
    setattr(preference, field, now)
    if preference._state.adding:
        preference.save()
    else:
        preference.save(update_fields=[field])
    logger.info("%s disabled for user %s after a permanent error", channel, user.pk)


def notification_deliver(
    *, notification_id: Any, final_attempt: bool = False
) -> Notification | None:
    """Deliver a pending, due notification on each of its channels, once.

    Returns None when someone else holds it (or it is not due / already done). Targets that
    already succeeded or failed for good are not tried again on a retry. Raises
    TransientDeliveryError when a target failed transiently and another try is allowed.
    """
    now = timezone.now()
    # A send whose worker died (its claim older than the lease) may be claimed again: the
    # broker hands the unacknowledged task to another worker, which finishes the job.
    abandoned = Q(status=NotificationStatus.SENDING, claimed_at__lt=now - _lease())
    claimed = (
        Notification.objects.filter(pk=notification_id, scheduled_for__lte=now)
        .filter(Q(status=NotificationStatus.PENDING) | abandoned)
        .update(status=NotificationStatus.SENDING, claimed_at=now)
    )
    if not claimed:
        return None
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.expires_at is not None and now > notification.expires_at:
        notification.status = NotificationStatus.SKIPPED
        notification.status_reason = "expired"
        notification.save(update_fields=["status", "status_reason"])
        return notification

    user = notification.recipient
    preference = preference_for(user)
    finished = set(
        notification.attempts.filter(
            outcome__in=[DeliveryOutcome.SENT, DeliveryOutcome.PERMANENT_ERROR]
        ).values_list("channel", "device_id")
    )
    sent_any = notification.attempts.filter(outcome=DeliveryOutcome.SENT).exists()
    transient = False
    for name, device, address in _targets(notification, preference):
        if (name, device.pk if device else None) in finished:
            continue
        klass = channel_class(name)
        problem = "unknown channel" if klass is None else klass.configuration_problem()
        attempt = DeliveryAttempt(
            notification=notification, channel=name, device=device, attempted_at=timezone.now()
        )
        if problem is not None:
            attempt.outcome, attempt.error = DeliveryOutcome.SKIPPED, "not configured"
            attempt.save()
            continue
        message = OutboundMessage(
            notification_id=str(notification.pk),
            address=address,
            title=notification.title,
            body=notification.body,
            data=stringify({**notification.data, "kind": notification.kind}),
            urgent=notification.priority == Priority.URGENT,
        )
        started = time.perf_counter()
        try:
            klass().send(message)
        except DeliveryError as error:
            attempt.error = error.reason[:200]
            if error.permanent:
                attempt.outcome = DeliveryOutcome.PERMANENT_ERROR
                _disable_target(user=user, channel=name, device=device, reason=error.reason)
            else:
                attempt.outcome = DeliveryOutcome.TRANSIENT_ERROR
                transient = True
        else:
            attempt.outcome = DeliveryOutcome.SENT
            sent_any = True
        attempt.duration_ms = max(0, round((time.perf_counter() - started) * 1000))
        attempt.save()

    if sent_any and notification.sent_at is None:
        notification.sent_at = timezone.now()
    if transient and not final_attempt:
        Notification.objects.filter(pk=notification.pk).update(
            status=NotificationStatus.PENDING,
            retries=F("retries") + 1,
            enqueued_at=timezone.now(),
            sent_at=notification.sent_at,
        )
        raise TransientDeliveryError(str(notification.pk))
    if sent_any:
        notification.status, notification.status_reason = NotificationStatus.SENT, ""
    else:
        notification.status = NotificationStatus.FAILED
        notification.status_reason = "retries_exhausted" if transient else "no_reachable_channel"
    notification.save(update_fields=["status", "status_reason", "sent_at"])
    return notification


def notifications_dispatch_due(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """The minute sweep: enqueue notifications whose time has come (quiet hours over) or
    whose task was lost; record expired ones as skipped and abandoned sends as failed."""
    now = now or timezone.now()
    conf = notification_settings()
    abandoned = Notification.objects.filter(
        status=NotificationStatus.SENDING, claimed_at__lt=now - conf.sending_lease
    )
    # A worker died mid-send. Targets it finished are on record and are not tried again; the
    # rest are sent by the next run, a bounded number of times.
    abandoned.filter(retries__gte=conf.max_retries).update(
        status=NotificationStatus.FAILED, status_reason="worker_lost"
    )
    abandoned.update(
        status=NotificationStatus.PENDING,
        status_reason="worker_lost",
        retries=F("retries") + 1,
        enqueued_at=None,
    )
    Notification.objects.filter(status=NotificationStatus.PENDING, expires_at__lt=now).update(
        status=NotificationStatus.SKIPPED, status_reason="expired"
    )
    not_recently_enqueued = Q(enqueued_at__isnull=True) | Q(
        enqueued_at__lt=now - conf.redispatch_after
    )
    due = Notification.objects.filter(
        not_recently_enqueued, status=NotificationStatus.PENDING, scheduled_for__lte=now
    )
    count = 0
    for notification_id in due.order_by("scheduled_for").values_list("id", flat=True)[:batch_size]:
        # The conditional update is the claim: a second sweep running at once gets 0 rows.
        if due.filter(pk=notification_id).update(enqueued_at=now):
            _enqueue_delivery(notification_id)
            count += 1
    return count


def device_register(*, user: User, platform: str, token: str) -> tuple[Device, bool]:
    """Register a push token (idempotent on the token). A token another account held moves
    to ``user``: the phone changed hands or accounts, and pushes must follow the phone."""
    with transaction.atomic():
        device = Device.objects.select_for_update().filter(token=token).first()
        if device is None:
            try:
                with transaction.atomic():
                    return Device.objects.create(user=user, platform=platform, token=token), True
            except IntegrityError:
                device = Device.objects.select_for_update().get(token=token)
        device.user = user
        device.platform = platform
        device.is_active = True
        device.disabled_at = None
        device.disabled_reason = ""
        device.save()
    return device, False


def device_delete(*, device: Device) -> None:
    device.delete()


def notification_mark_opened(*, notification: Notification) -> Notification:
    """Record that the recipient opened it (first open wins; repeating changes nothing)."""
    if notification.opened_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, opened_at__isnull=True).update(
            opened_at=now
        )
        notification.refresh_from_db(fields=["opened_at"])
    return notification


def preference_update(
    *,
    user: User,
    channels: list[str] = UNSET,
    quiet_hours_start: dt.time | None = UNSET,
    quiet_hours_end: dt.time | None = UNSET,
    phone_number: str = UNSET,
) -> NotificationPreference:
    """Change how ``user`` is reached; omitted arguments keep their value. A new phone
    number re-enables SMS; choosing e-mail again re-enables it after a refusal."""
    with transaction.atomic():
        current = preference_for(user)
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(
            user=user,
            defaults={
                "channels": current.channels,
                "quiet_hours_start": current.quiet_hours_start,
                "quiet_hours_end": current.quiet_hours_end,
            },
        )
        if quiet_hours_start is not UNSET:
            preference.quiet_hours_start = quiet_hours_start
        if quiet_hours_end is not UNSET:
            preference.quiet_hours_end = quiet_hours_end
        if (preference.quiet_hours_start is None) != (preference.quiet_hours_end is None):
            raise ValidationFailed(
                "Give both the start and the end of quiet hours, or neither.",
                field="quiet_hours_end",
            )
        if (
            preference.quiet_hours_start is not None
            and preference.quiet_hours_start == preference.quiet_hours_end
        ):
            raise ValidationFailed(
                "Quiet hours must end at a different time than they start.",
                field="quiet_hours_end",
            )
        if phone_number is not UNSET and (phone_number or "") != preference.phone_number:
            preference.phone_number = phone_number or ""
            preference.sms_disabled_at = None
        if channels is not UNSET:
            channels = list(dict.fromkeys(channels))
            if Channel.SMS in channels and not preference.phone_number:
                raise ValidationFailed(
                    "Add a phone number to receive SMS reminders.", field="phone_number"
                )
            if Channel.EMAIL in channels and Channel.EMAIL not in preference.channels:
                preference.email_disabled_at = None
            preference.channels = channels
        preference.full_clean(exclude=["user"])
        preference.save()
    return preference
