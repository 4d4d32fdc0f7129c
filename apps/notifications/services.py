"""Writes about notifications: the one ``notify`` service (and ``notify_many``, the same for
a batch), devices, preferences, and the sweep; delivery itself is in ``delivery``.

Idempotency comes from the database: ``Notification.dedup_key`` is unique (a batch inserts
with ``ON CONFLICT DO NOTHING`` and reads back which rows are its own), and delivery claims
rows by moving them from pending to sending under a row lock, so a task run twice, two
callers, or a redelivered message send once.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Patient, User, phone_for_sms
from apps.accounts.services import patient_update_profile
from apps.core.exceptions import ValidationFailed
from apps.core.queueing import enqueue_on_commit
from apps.core.timezones import local_date_of, quiet_hours_end_after
from apps.notifications.conf import notification_settings
from apps.notifications.delivery import (  # the delivery services live there
    TransientDeliveryError as TransientDeliveryError,
)
from apps.notifications.delivery import notification_deliver as notification_deliver
from apps.notifications.delivery import (
    notifications_deliver_batch as notifications_deliver_batch,
)
from apps.notifications.models import (
    Channel,
    Device,
    Notification,
    NotificationPreference,
    NotificationStatus,
    Priority,
)
from apps.notifications.selectors import (
    is_patient,
    preference_for,
    preferences_of,
    recipient_timezone,
    sms_number_of,
)

logger = logging.getLogger(__name__)

UNSET: Any = object()


def _enqueue_delivery(notification_id: uuid.UUID | str) -> None:
    from apps.notifications.tasks import deliver_notification

    enqueue_on_commit(deliver_notification, str(notification_id))


def _enqueue_deliveries(notification_ids: Sequence[Any]) -> None:
    """One delivery task per ``DELIVERY_BATCH_SIZE`` ids, published after commit."""
    from apps.notifications.tasks import deliver_notifications

    size = notification_settings().delivery_batch_size
    for start in range(0, len(notification_ids), size):
        chunk = [str(pk) for pk in notification_ids[start : start + size]]
        enqueue_on_commit(deliver_notifications, chunk)


@dataclass(frozen=True)
class NotificationRequest:
    """One notification to store: the arguments of ``notify`` (see there)."""

    recipient: User | Patient
    kind: str
    title: str
    body: str
    dedup_key: str
    priority: str = Priority.NORMAL
    data: dict[str, Any] | None = None
    channels: list[str] | None = None
    expires_at: dt.datetime | None = None

    @property
    def user(self) -> User:
        return self.recipient.user if isinstance(self.recipient, Patient) else self.recipient


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
    request = NotificationRequest(
        recipient=recipient,
        kind=kind,
        title=title,
        body=body,
        dedup_key=dedup_key,
        priority=priority,
        data=data,
        channels=channels,
        expires_at=expires_at,
    )
    return notify_many([request], single=True)[dedup_key]


def notify_many(
    requests: Sequence[NotificationRequest], *, single: bool = False
) -> dict[str, Notification]:
    """``notify`` for many notifications at once, in a fixed number of queries: the same
    rules (dedup, quiet hours, daily budget counted across the batch too, urgent bypass) and
    deliveries enqueued after commit, ``DELIVERY_BATCH_SIZE`` per task. Returns each
    ``dedup_key``'s notification: the new one, or the one stored before under that key.
    (``single`` enqueues the one-notification task, as ``notify`` always has.)"""
    requests = _first_of_each_key(requests)
    keys = [r.dedup_key for r in requests]
    result = {n.dedup_key: n for n in Notification.objects.filter(dedup_key__in=keys)}
    new = [r for r in requests if r.dedup_key not in result]
    if not new:
        return result
    now = timezone.now()
    with transaction.atomic():
        users = _with_patients({r.user.pk: r.user for r in new})
        ruled = {r.user.pk for r in new if _patient_rules(users[r.user.pk], r.priority)}
        _lock_users(ruled)
        preferences = preferences_of(users.values())
        rows = [
            _unsaved_notification(
                r, users[r.user.pk], preferences[r.user.pk], ruled=r.user.pk in ruled, now=now
            )
            for r in new
        ]
        _apply_daily_budget([row for row in rows if row.counts_toward_budget])
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        ours = set(
            Notification.objects.filter(pk__in=[row.pk for row in rows]).values_list(
                "pk", flat=True
            )
        )
        stored = [row for row in rows if row.pk in ours]
        result.update({row.dedup_key: row for row in stored})
        to_send = [row.pk for row in stored if row.enqueued_at is not None]
        if single:
            for pk in to_send:
                _enqueue_delivery(pk)
        else:
            _enqueue_deliveries(to_send)
    lost = [row.dedup_key for row in rows if row.pk not in ours]
    if lost:
        # Another caller stored the same dedup_key first: theirs is the notification.
        result.update({n.dedup_key: n for n in Notification.objects.filter(dedup_key__in=lost)})
        missing = set(lost) - set(result)
        if missing:
            raise IntegrityError(f"{len(missing)} notification(s) could not be stored")
    return result


def _first_of_each_key(requests: Sequence[NotificationRequest]) -> list[NotificationRequest]:
    """The first request of each ``dedup_key``, in order (refusing an unknown priority)."""
    first_of_key: dict[str, NotificationRequest] = {}
    for request in requests:
        if request.priority not in Priority.values:
            raise ValueError(f"Unknown priority {request.priority!r}")
        first_of_key.setdefault(request.dedup_key, request)
    return list(first_of_key.values())


def _lock_users(pks: set[Any]) -> None:
    """One writer at a time per patient, so two callers cannot both take the last slot of the
    day's budget."""
    if pks:
        list(
            User.objects.select_for_update()
            .filter(pk__in=pks)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _patient_rules(user: User, priority: str) -> bool:
    """Quiet hours and the daily budget apply to patients at normal priority."""
    return priority == Priority.NORMAL and is_patient(user)


def _with_patients(users: dict[Any, User]) -> dict[Any, User]:
    """Make ``user.patient`` answer without a query for each user (one query for all)."""
    relation = User.patient.related
    unknown = [pk for pk, user in users.items() if not relation.is_cached(user)]
    if unknown:
        found = {p.user_id: p for p in Patient.objects.filter(user_id__in=unknown)}
        for pk in unknown:
            patient = found.get(pk)
            if patient is not None:
                patient.user = users[pk]
            relation.set_cached_value(users[pk], patient)
    return users


def _unsaved_notification(
    request: NotificationRequest,
    user: User,
    preference: NotificationPreference,
    *,
    ruled: bool,
    now: dt.datetime,
) -> Notification:
    """The row ``request`` becomes, quiet hours applied (the budget is applied after)."""
    tz_name = recipient_timezone(user)
    scheduled_for, expires_at = now, request.expires_at
    if ruled:
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
    return Notification(
        recipient=user,
        kind=request.kind,
        title=request.title,
        body=request.body,
        data=request.data or {},
        priority=request.priority,
        channels=list(request.channels or []),
        dedup_key=request.dedup_key,
        status=NotificationStatus.PENDING,
        scheduled_for=scheduled_for,
        expires_at=expires_at,
        local_date=local_date_of(scheduled_for, tz_name),
        counts_toward_budget=ruled,
        enqueued_at=now if scheduled_for <= now else None,
    )


def _apply_daily_budget(rows: list[Notification]) -> None:
    """Mark as skipped (``daily_budget``) each row beyond the recipient's daily budget,
    counting what is stored for that local date and the earlier rows of this batch."""
    if not rows:
        return
    used = Counter(
        {
            (recipient_id, day): n
            for recipient_id, day, n in Notification.objects.filter(
                recipient_id__in={row.recipient_id for row in rows},
                local_date__in={row.local_date for row in rows},
                counts_toward_budget=True,
            )
            .exclude(status=NotificationStatus.SKIPPED)
            .values("recipient_id", "local_date")
            .annotate(n=Count("id"))
            .values_list("recipient_id", "local_date", "n")
        }
    )
    budget = notification_settings().daily_budget
    for row in rows:
        key = (row.recipient_id, row.local_date)
        if used[key] >= budget:
            row.status, row.status_reason = NotificationStatus.SKIPPED, "daily_budget"
            row.counts_toward_budget = False
            row.enqueued_at = None
        else:
            used[key] += 1


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


def _phone_changed(user: User, phone: str) -> bool:
    """Store ``phone`` as the patient's phone unless it is the stored number already (in any
    layout); True when it changed."""
    patient = getattr(user, "patient", None)
    if patient is None:
        raise ValidationFailed(_("Only patients have a phone number here."), field="phone_number")
    if phone_for_sms(phone) == phone_for_sms(patient.phone):
        return False
    patient_update_profile(patient=patient, data={"phone": phone})
    return True


def sms_follows_phone(patient: Patient) -> None:
    """A patient's new phone number (``apps.accounts.hooks.patient_phone_changed``, registered
    in ``NotificationsConfig.ready()``): a provider's refusal was of the old number, so SMS is
    tried again."""
    NotificationPreference.objects.filter(user_id=patient.user_id).exclude(
        sms_disabled_at=None
    ).update(sms_disabled_at=None)


def preference_update(
    *,
    user: User,
    channels: list[str] = UNSET,
    quiet_hours_start: dt.time | None = UNSET,
    quiet_hours_end: dt.time | None = UNSET,
    phone_number: str = UNSET,
) -> NotificationPreference:
    """Change how ``user`` is reached; omitted arguments keep their value. ``phone_number``
    is the patient's phone (``Patient.phone``, written through
    ``apps.accounts.services.patient_update_profile``; the same number in another layout,
    e.g. its E.164 form read back from ``GET me/reminders/``, leaves it as typed). A new phone
    number re-enables SMS; choosing e-mail again re-enables it after a refusal."""
    with transaction.atomic():
        current = preference_for(user)
        preference, _created = NotificationPreference.objects.select_for_update().get_or_create(
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
                _("Give both the start and the end of quiet hours, or neither."),
                field="quiet_hours_end",
            )
        if (
            preference.quiet_hours_start is not None
            and preference.quiet_hours_start == preference.quiet_hours_end
        ):
            raise ValidationFailed(
                _("Quiet hours must end at a different time than they start."),
                field="quiet_hours_end",
            )
        if phone_number is not UNSET and _phone_changed(user, phone_number or ""):
            preference.sms_disabled_at = None
        if channels is not UNSET:
            channels = list(dict.fromkeys(channels))
            if Channel.SMS in channels and not sms_number_of(user):
                raise ValidationFailed(
                    _("Add a phone number to receive SMS reminders."), field="phone_number"
                )
            if Channel.EMAIL in channels and Channel.EMAIL not in preference.channels:
                preference.email_disabled_at = None
            preference.channels = channels
        preference.full_clean(exclude=["user"])
        preference.save()
    return preference
