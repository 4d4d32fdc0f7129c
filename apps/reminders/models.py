"""Reminder settings, one schedule row per (patient, kind), one delivery row per
(patient, kind, local date)."""

from __future__ import annotations

import uuid

from django.db import models


class ReminderKind(models.TextChoices):
    CHECKIN = "checkin", "Daily check-in"
    CHECKIN_FOLLOWUP = "checkin_followup", "Check-in follow-up"
    EXERCISE = "exercise", "Exercises"
    WE_MISS_YOU = "we_miss_you", "We miss you"
    QUESTIONNAIRE = "questionnaire", "Questionnaire due"


class ReminderSettings(models.Model):
    """When a patient wants reminding, as local wall-clock times in their own time zone.
    (Channels, quiet hours and the phone number live in notifications' preference.)"""

    patient = models.OneToOneField(
        "accounts.Patient",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reminder_settings",
    )
    checkin_time = models.TimeField()
    exercise_time = models.TimeField(null=True, blank=True)
    enabled = models.BooleanField(default=True)
    #: After the episode is resolved, daily check-in reminders stop unless this is on (the
    #: patient asked for them to continue); the monthly joint check goes on either way.
    checkins_after_resolution = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "reminder settings"
        verbose_name_plural = "reminder settings"

    def __str__(self) -> str:
        return f"Reminder settings of {self.patient_id}"


class ReminderSchedule(models.Model):
    """The next due instant (UTC) of one kind of reminder for one patient, and the local date
    it is for. Claimed by the minute tick through the index on ``next_due_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="reminder_schedules"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    local_date = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "kind"], name="reminder_schedule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.patient_id} at {self.next_due_at}"


class ReminderOutcome(models.TextChoices):
    NOTIFIED = "notified", "Handed to the notification service"
    SKIPPED = "skipped", "Skipped"


class ReminderDelivery(models.Model):
    """What became of one reminder of one local date. Unique per (patient, kind, date): two
    ticks, a retry or a second beat can never remind twice."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="reminder_deliveries"
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    local_date = models.DateField()
    due_at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=ReminderOutcome.choices)
    # stale, checked_in, quiet_hours, daily_budget, reminders_off, replaced_by_we_miss_you,
    # episode_resolved (daily check-ins are no longer asked for)
    reason = models.CharField(max_length=40, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "reminder deliveries"
        ordering = ["-local_date", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "kind", "local_date"], name="reminder_delivery_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.local_date} for {self.patient_id}: {self.outcome}"
