"""Devices and contact details, notifications and every delivery attempt."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

# E.164: a plus, a country code that does not start with 0, at most 15 digits in all (what
# `PUT me/reminders/` accepts as `phone_number`; stored as the patient's phone).
E164_VALIDATOR = RegexValidator(
    r"^\+[1-9]\d{6,14}$",
    "Enter the number in international E.164 form, e.g. +447700900123.",
)


class Platform(models.TextChoices):
    IOS = "ios", "iOS"
    ANDROID = "android", "Android"


class Device(models.Model):
    """A phone's FCM registration token. Disabled (not deleted) when FCM says it is gone, so
    the delivery log keeps pointing at it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="devices"
    )
    platform = models.CharField(max_length=10, choices=Platform.choices)
    token = models.CharField(max_length=4096, unique=True)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["user", "is_active"])]

    def __str__(self) -> str:
        return f"{self.platform} device {self.id}"


class Channel(models.TextChoices):
    PUSH = "push", "Push"
    EMAIL = "email", "E-mail"
    SMS = "sms", "SMS"


class NotificationPreference(models.Model):
    """How a person wants to be reached: channels, quiet hours (local wall-clock times in the
    patient's zone), and contact points a provider refused for good. The addresses are the
    person's own: e-mail on the user, the phone SMS goes to on the patient
    (``Patient.phone``, in its E.164 form: ``apps.accounts.models.phone_for_sms``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    channels = models.JSONField(default=list)
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    sms_disabled_at = models.DateTimeField(null=True, blank=True)
    email_disabled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Notification preference of {self.user_id}"


class Priority(models.TextChoices):
    NORMAL = "normal", "Normal"
    # Emergency and urgent advice: no daily budget, no quiet hours.
    URGENT = "urgent", "Urgent"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Notification(models.Model):
    """One thing to tell one person. ``dedup_key`` is unique: a second caller or a retry that
    asks for the same notification gets the stored one and nothing is sent twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField()
    data = models.JSONField(default=dict, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    # Requested channels; empty means the recipient's preference.
    channels = models.JSONField(default=list, blank=True)
    dedup_key = models.CharField(max_length=255, unique=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    status_reason = models.CharField(max_length=100, blank=True)
    # When it may go out (later than created_at when quiet hours deferred it).
    scheduled_for = models.DateTimeField()
    # After this instant it is pointless: recorded as skipped instead of sent.
    expires_at = models.DateTimeField(null=True, blank=True)
    # The recipient's local date of scheduled_for: the day whose budget it uses.
    local_date = models.DateField()
    counts_toward_budget = models.BooleanField(default=False)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    retries = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "id"]
        indexes = [
            models.Index(fields=["status", "scheduled_for"]),
            models.Index(fields=["recipient", "local_date"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_id} ({self.status})"


class DeliveryOutcome(models.TextChoices):
    SENT = "sent", "Sent"
    TRANSIENT_ERROR = "transient_error", "Transient error (retried)"
    PERMANENT_ERROR = "permanent_error", "Permanent error"
    SKIPPED = "skipped", "Skipped"


class DeliveryAttempt(models.Model):
    """One try on one channel (and, for push, one device): the delivery log. Its integer key
    orders attempts of the same instant; it is never exposed in the API."""

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="attempts"
    )
    channel = models.CharField(max_length=20)
    device = models.ForeignKey(
        Device, null=True, blank=True, on_delete=models.SET_NULL, related_name="attempts"
    )
    outcome = models.CharField(max_length=20, choices=DeliveryOutcome.choices)
    # Provider error class or code only: never the address or the content.
    error = models.CharField(max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    attempted_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["notification", "channel"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome} for {self.notification_id}"
