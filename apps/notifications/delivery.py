"""Delivering stored notifications, a batch at a time.

A delivery task carries a list of notification ids. It claims the ones that are due and still
``pending`` (or abandoned by a dead worker past the lease) in one short transaction — the rows
are locked with ``SKIP LOCKED`` where the database has row locks, and moved to ``sending`` —
then calls each channel outside any transaction, recording every attempt as soon as its
provider call returns, and finally writes the statuses in a few set-based UPDATEs.

Why the attempt is written per call and not at the end of the batch: a worker killed mid-batch
leaves its claimed rows ``sending``; once the lease passes they are claimed again and targets
whose attempt is on record are not tried again, so nobody gets a message twice.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, OperationalError, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

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
from apps.notifications.selectors import preferences_of, sms_number_of

logger = logging.getLogger(__name__)

Target = tuple[str, Device | None, str]


class TransientDeliveryError(Exception):
    """A channel failed in a way that may pass: the delivery task retries with backoff."""


@dataclass
class BatchDelivery:
    """What one delivery run did: the notifications it handled (claimed), and the ids that
    failed transiently and should be tried again."""

    handled: dict[uuid.UUID, Notification] = field(default_factory=dict)
    transient_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class _Recipients:
    """Everything about the recipients of a batch that sending needs, read in a few queries."""

    preferences: dict[Any, NotificationPreference]
    devices: dict[Any, list[Device]]


def _claim(ids: list[Any], now: dt.datetime) -> list[Any]:
    """Move the due, pending (or abandoned) ones among ``ids`` to ``sending``; return those.

    The rows are locked while they are read, and rows another run holds are skipped, so two
    runs with overlapping ids never claim the same row (PostgreSQL). The UPDATE repeats the
    condition, which on a database without row locks is what keeps a second run out."""
    lease = notification_settings().sending_lease
    claimable = Q(status=NotificationStatus.PENDING) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - lease
    )
    with transaction.atomic():
        candidates = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(claimable, pk__in=ids, scheduled_for__lte=now)
            .values_list("pk", flat=True)
        )
        claimed = list(candidates)
        if not claimed:
            return []
        count = Notification.objects.filter(
            claimable, pk__in=claimed, scheduled_for__lte=now
        ).update(status=NotificationStatus.SENDING, claimed_at=now)
        if count != len(claimed):
            # Only possible without row locks: another run changed some rows in between.
            claimed = list(
                Notification.objects.filter(
                    pk__in=claimed, status=NotificationStatus.SENDING, claimed_at=now
                ).values_list("pk", flat=True)
            )
    return claimed


def _recipients_of(notifications: Iterable[Notification]) -> _Recipients:
    """Preferences (stored, else the defaults) and active devices of every recipient."""
    preferences = preferences_of({n.recipient_id: n.recipient for n in notifications}.values())
    wants_push = {
        n.recipient_id
        for n in notifications
        if Channel.PUSH in (n.channels or preferences[n.recipient_id].channels)
    }
    devices: dict[Any, list[Device]] = defaultdict(list)
    if wants_push:
        for device in Device.objects.filter(user_id__in=wants_push, is_active=True).order_by(
            "-created_at", "id"
        ):
            devices[device.user_id].append(device)
    return _Recipients(preferences=preferences, devices=devices)


def _targets(
    notification: Notification, preference: NotificationPreference, devices: list[Device]
) -> list[Target]:
    """Every (channel, device, address) this notification should reach."""
    user = notification.recipient
    targets: list[Target] = []
    for name in notification.channels or preference.channels:
        if name == Channel.PUSH:
            targets += [(name, device, device.token) for device in devices if device.is_active]
        elif name == Channel.EMAIL:
            if user.email and preference.email_disabled_at is None:
                targets.append((name, None, user.email))
        elif name == Channel.SMS:
            number = sms_number_of(user)
            if number and preference.sms_disabled_at is None:
                targets.append((name, None, number))
        else:  # development channels (console, recording) address the user by id
            targets.append((name, None, str(user.pk)))
    return targets


def _disable_target(
    *, preference: NotificationPreference, channel: str, device: Device | None, reason: str
) -> None:
    """A permanent error: stop using this device / address (also for the rest of the batch)."""
    now = timezone.now()
    if device is not None:
        device.is_active = False
        Device.objects.filter(pk=device.pk).update(
            is_active=False, disabled_at=now, disabled_reason=reason[:100]
        )
        logger.info("device %s disabled after a permanent push error", device.pk)
        return
    disabled_fields: dict[str, str] = {
        Channel.SMS: "sms_disabled_at",
        Channel.EMAIL: "email_disabled_at",
    }
    field_name = disabled_fields.get(channel)
    if field_name is None:
        return
    setattr(preference, field_name, now)
    if preference._state.adding:
        preference.save()
    else:
        preference.save(update_fields=[field_name])
    logger.info("%s disabled for user %s after a permanent error", channel, preference.user_id)


def _message(notification: Notification, address: str) -> OutboundMessage:
    return OutboundMessage(
        notification_id=str(notification.pk),
        address=address,
        title=notification.title,
        body=notification.body,
        data=stringify({**notification.data, "kind": notification.kind}),
        urgent=notification.priority == Priority.URGENT,
    )


def _send_one(
    notification: Notification,
    targets: list[Target],
    preference: NotificationPreference,
    finished: set[tuple[str, Any]],
) -> tuple[bool, bool]:
    """Try every target not finished before; each attempt is stored as soon as it is known.
    Returns (sent on some target, failed transiently on some target)."""
    sent_any = transient = False
    for name, device, address in targets:
        if (name, device.pk if device else None) in finished:
            continue
        klass = channel_class(name)
        problem = "unknown channel" if klass is None else klass.configuration_problem()
        attempt = DeliveryAttempt(
            notification=notification, channel=name, device=device, attempted_at=timezone.now()
        )
        if problem is not None or klass is None:
            attempt.outcome, attempt.error = DeliveryOutcome.SKIPPED, "not configured"
            attempt.save()
            continue
        started = time.perf_counter()
        try:
            klass().send(_message(notification, address))
        except DeliveryError as error:
            attempt.error = error.reason[:200]
            if error.permanent:
                attempt.outcome = DeliveryOutcome.PERMANENT_ERROR
                _disable_target(
                    preference=preference, channel=name, device=device, reason=error.reason
                )
            else:
                attempt.outcome = DeliveryOutcome.TRANSIENT_ERROR
                transient = True
        else:
            attempt.outcome = DeliveryOutcome.SENT
            sent_any = True
        attempt.duration_ms = max(0, round((time.perf_counter() - started) * 1000))
        attempt.save()
    return sent_any, transient


def _finished_targets(ids: list[Any]) -> tuple[dict[Any, set[tuple[str, Any]]], set[Any]]:
    """Per notification, the targets a previous run already finished (sent or failed for
    good), and the notifications that already went out on some target."""
    finished: dict[Any, set[tuple[str, Any]]] = defaultdict(set)
    sent_before: set[Any] = set()
    rows = DeliveryAttempt.objects.filter(
        notification_id__in=ids,
        outcome__in=[DeliveryOutcome.SENT, DeliveryOutcome.PERMANENT_ERROR],
    ).values_list("notification_id", "channel", "device_id", "outcome")
    for notification_id, channel, device_id, outcome in rows:
        finished[notification_id].add((channel, device_id))
        if outcome == DeliveryOutcome.SENT:
            sent_before.add(notification_id)
    return finished, sent_before


def _skip_expired(notifications: list[Notification], now: dt.datetime) -> list[Notification]:
    """Record the expired ones as skipped; return the rest."""
    expired = [n for n in notifications if n.expires_at is not None and now > n.expires_at]
    if expired:
        Notification.objects.filter(pk__in=[n.pk for n in expired]).update(
            status=NotificationStatus.SKIPPED, status_reason="expired"
        )
        for notification in expired:
            notification.status = NotificationStatus.SKIPPED
            notification.status_reason = "expired"
    return [n for n in notifications if n not in expired]


def _record_outcomes(
    *,
    sent: list[Notification],
    failed: dict[str, list[Notification]],
    retry: list[Notification],
    released: list[Notification],
    claimed_at: dt.datetime,
    now: dt.datetime,
) -> None:
    """Write the final statuses of a batch, one UPDATE per outcome, only on the rows this
    batch still holds (its claim, unchanged)."""

    def held(notifications: list[Notification]):
        return Notification.objects.filter(
            pk__in=[n.pk for n in notifications],
            status=NotificationStatus.SENDING,
            claimed_at=claimed_at,
        )

    if sent:
        held(sent).update(
            status=NotificationStatus.SENT, status_reason="", sent_at=Coalesce(F("sent_at"), now)
        )
    for reason, notifications in failed.items():
        held(notifications).update(status=NotificationStatus.FAILED, status_reason=reason)
    if retry:
        went_out = [n.pk for n in retry if n.sent_at is not None]
        # Back to pending for the task's retry; sent_at keeps a send on another target.
        held(retry).update(
            status=NotificationStatus.PENDING,
            retries=F("retries") + 1,
            enqueued_at=now,
        )
        if went_out:
            Notification.objects.filter(pk__in=went_out, sent_at__isnull=True).update(sent_at=now)
    if released:
        # Not sent and not a failure: the minute sweep enqueues them again.
        held(released).update(status=NotificationStatus.PENDING)


def notifications_deliver_batch(
    *, notification_ids: Iterable[Any], final_attempt: bool = False
) -> BatchDelivery:
    """Deliver each pending, due notification of ``notification_ids`` on each of its channels,
    once. Ids someone else holds, not yet due or already done are left alone. Targets that
    already succeeded or failed for good are not tried again on a retry. A notification that
    failed transiently is put back to ``pending`` and listed in ``transient_ids`` (unless this
    is the final attempt, when it is marked ``failed``)."""
    now = timezone.now()
    claimed = _claim(list(notification_ids), now)
    if not claimed:
        return BatchDelivery()
    try:
        return _deliver_claimed(claimed, now=now, final_attempt=final_attempt)
    except OperationalError:
        # A transient database error after the claim: give the rows back at once, so the
        # task's retry (seconds later) claims them again instead of waiting for the lease.
        # Targets whose attempt is on record are not tried again.
        with contextlib.suppress(DatabaseError):
            Notification.objects.filter(
                pk__in=claimed, status=NotificationStatus.SENDING, claimed_at=now
            ).update(status=NotificationStatus.PENDING)
        raise


def _deliver_claimed(claimed: list[Any], *, now: dt.datetime, final_attempt: bool) -> BatchDelivery:
    outcome = BatchDelivery()
    notifications = list(
        Notification.objects.select_related("recipient__patient")
        .filter(pk__in=claimed)
        .order_by("created_at", "id")
    )
    outcome.handled = {n.pk: n for n in notifications}
    notifications = _skip_expired(notifications, now)
    recipients = _recipients_of(notifications)
    finished, sent_before = _finished_targets([n.pk for n in notifications])
    sent: list[Notification] = []
    failed: dict[str, list[Notification]] = defaultdict(list)
    retry: list[Notification] = []
    released: list[Notification] = []
    # A claim older than the lease may be taken by another run (the minute sweep): stop
    # sending well before that, and hand what is left back instead of racing that run.
    send_until = now + notification_settings().sending_lease / 2
    for notification in notifications:
        if timezone.now() > send_until:
            released.append(notification)
            continue
        preference = recipients.preferences[notification.recipient_id]
        targets = _targets(
            notification, preference, recipients.devices.get(notification.recipient_id, [])
        )
        sent_now, transient = _send_one(
            notification, targets, preference, finished.get(notification.pk, set())
        )
        sent_any = sent_now or notification.pk in sent_before
        if sent_any and notification.sent_at is None:
            notification.sent_at = timezone.now()
        if transient and not final_attempt:
            notification.status = NotificationStatus.PENDING
            retry.append(notification)
        elif sent_any:
            notification.status, notification.status_reason = NotificationStatus.SENT, ""
            sent.append(notification)
        else:
            notification.status = NotificationStatus.FAILED
            notification.status_reason = (
                "retries_exhausted" if transient else "no_reachable_channel"
            )
            failed[notification.status_reason].append(notification)
    _record_outcomes(
        sent=sent,
        failed=failed,
        retry=retry,
        released=released,
        claimed_at=now,
        now=timezone.now(),
    )
    for notification in released:
        notification.status = NotificationStatus.PENDING
    outcome.transient_ids = [n.pk for n in retry]
    return outcome


def notification_deliver(
    *, notification_id: uuid.UUID | str, final_attempt: bool = False
) -> Notification | None:
    """Deliver one pending, due notification on each of its channels, once (a batch of one).

    Returns None when someone else holds it (or it is not due / already done). Raises
    TransientDeliveryError when a target failed transiently and another try is allowed."""
    outcome = notifications_deliver_batch(
        notification_ids=[notification_id], final_attempt=final_attempt
    )
    if outcome.transient_ids:
        raise TransientDeliveryError(str(notification_id))
    if not outcome.handled:
        return None
    return next(iter(outcome.handled.values()))
