"""Reads about notifications. Every per-user read is scoped to the user asking."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import Role, User, phone_for_sms
from apps.notifications.conf import notification_settings
from apps.notifications.models import (
    DeliveryAttempt,
    Device,
    Notification,
    NotificationPreference,
    NotificationStatus,
)


def is_patient(user: User) -> bool:
    return user.role == Role.PATIENT and hasattr(user, "patient")


def recipient_timezone(user: User) -> str:
    """The zone a person's days and quiet hours are in: a patient's own, staff's clinic's."""
    if is_patient(user):
        return user.patient.timezone
    if user.clinic_id and user.clinic is not None:
        return user.clinic.timezone
    return "UTC"


def preference_for(user: User) -> NotificationPreference:
    """The stored preference, or an unsaved one holding the defaults."""
    try:
        return NotificationPreference.objects.get(user=user)
    except NotificationPreference.DoesNotExist:
        return default_preference(user)


def preferences_of(users: Iterable[User]) -> dict[Any, NotificationPreference]:
    """``preference_for`` of many users in one query, by user id."""
    users = list(users)
    stored = {
        preference.user_id: preference
        for preference in NotificationPreference.objects.filter(user_id__in=[u.pk for u in users])
    }
    return {user.pk: stored.get(user.pk) or default_preference(user) for user in users}


def sms_number_of(user: User) -> str:
    """Where SMS to ``user`` goes: their patient record's phone (``Patient.phone``, the one
    stored number) in E.164 form; "" for staff and for a patient without a number. Reads
    ``user.patient`` (select it with the user to spare the query)."""
    patient = getattr(user, "patient", None)  # staff have none
    return phone_for_sms(patient.phone) if patient is not None else ""


def default_preference(user: User) -> NotificationPreference:
    conf = notification_settings()
    if is_patient(user):
        return NotificationPreference(
            user=user,
            channels=list(conf.default_patient_channels),
            quiet_hours_start=conf.default_quiet_hours_start,
            quiet_hours_end=conf.default_quiet_hours_end,
        )
    # Staff are reached at work for clinical alerts: no quiet hours unless they set some.
    return NotificationPreference(user=user, channels=list(conf.default_staff_channels))


def devices_of(user: User) -> QuerySet[Device]:
    return Device.objects.filter(user=user).order_by("-created_at", "id")


def device_of(user: User, device_id: uuid.UUID | str) -> Device:
    """The user's own device; 404 for anyone else's (no existence leak)."""
    try:
        return devices_of(user).get(pk=device_id)
    except (Device.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such device.") from error


def notifications_of(user: User) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(recipient=user)
        .prefetch_related(Prefetch("attempts", queryset=DeliveryAttempt.objects.order_by("id")))
        .order_by("-created_at", "id")
    )


def notification_of(user: User, notification_id: uuid.UUID | str) -> Notification:
    try:
        return notifications_of(user).get(pk=notification_id)
    except (Notification.DoesNotExist, ValidationError, ValueError) as error:
        raise Http404("No such notification.") from error


def oldest_pending_due_notification() -> dt.datetime | None:
    """When the oldest notification still pending became due (None: nothing waiting); the
    backlog probe of GET health/ (registered in apps.py). One indexed query."""
    return (
        Notification.objects.filter(
            status=NotificationStatus.PENDING, scheduled_for__lte=timezone.now()
        )
        .order_by("scheduled_for")
        .values_list("scheduled_for", flat=True)
        .first()
    )
