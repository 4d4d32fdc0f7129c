"""Daily check-ins: one per local date per episode (API.md: Daily check-ins)."""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

PAIN_MAX = 10
STIFFNESS_MAX_MINUTES = 1440
STEPS_MAX = 200_000
NOTES_MAX_LENGTH = 2000
DAYS_BACK_ALLOWED = 30  # phones sync late; older dates are refused


class WeightBearing(models.TextChoices):
    FULL = "full", "Full"
    PARTIAL = "partial", "Partial"
    NONE = "none", "None"


class WalkingAid(models.TextChoices):
    """Ordered from lightest to heaviest (CLINICAL_RULES.md: Walking aids)."""

    NONE = "none", "None"
    CANE = "cane", "Cane"
    CRUTCHES = "crutches", "Crutches"
    WALKER = "walker", "Walker"
    WHEELCHAIR = "wheelchair", "Wheelchair"


class PainfulSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"


class RedFlag(models.TextChoices):
    FALL_OR_INJURY = "fall_or_injury", "Fall or injury"
    FEVER_OR_UNWELL = "fever_or_unwell", "Fever or feeling unwell"
    HIP_HOT_OR_SWOLLEN = "hip_hot_or_swollen", "Hip hot or swollen"
    SKIN_COLOUR_CHANGE = "skin_colour_change", "Skin colour change"
    NUMBNESS_OR_TINGLING = "numbness_or_tingling", "Numbness or tingling"
    LEG_SHORT_OR_TURNED_OUT = "leg_short_or_turned_out", "Leg short or turned out"


def _pain(null: bool = False) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        null=null,
        blank=null,
        validators=[MinValueValidator(0), MaxValueValidator(PAIN_MAX)],
    )


class CheckIn(models.Model):
    """What the patient reported for one local date. ``patient`` is stored alongside the
    episode so that the idempotency key (patient, client_id) is one unique index."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="checkins"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="checkins"
    )
    client_id = models.UUIDField()
    date = models.DateField(help_text="The patient's local date the check-in is about.")
    pain_now = _pain()
    pain_worst_24h = _pain()
    pain_weight_bearing = _pain(null=True)
    morning_stiffness_minutes = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(STIFFNESS_MAX_MINUTES)]
    )
    sleep_disturbed = models.BooleanField()
    daily_activities_affected = models.BooleanField()
    weight_bearing = models.CharField(max_length=10, choices=WeightBearing.choices)
    night_or_rest_pain = models.BooleanField()
    walking_aid = models.CharField(max_length=10, choices=WalkingAid.choices)
    limping = models.BooleanField()
    painful_sides = models.JSONField(default=list, blank=True)
    red_flags = models.JSONField(default=list, blank=True)
    steps = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(STEPS_MAX)]
    )
    notes = models.TextField(
        blank=True, default="", validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )
    recorded_at = models.DateTimeField(help_text="When the phone recorded it (sent with offset).")
    received_at = models.DateTimeField(default=timezone.now, editable=False)
    advice = models.JSONField(
        null=True,
        blank=True,
        default=None,
        editable=False,
        help_text="The emergency and urgent advice the first answer carried "
        "([{rule, severity, message}]), answered again to a replay of its client_id. "
        "Null on rows stored before it was recorded: a replay recomputes it.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "patient_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="checkin_patient_client_id_unique"
            ),
            models.UniqueConstraint(fields=["episode", "date"], name="checkin_episode_date_unique"),
            models.CheckConstraint(
                condition=Q(pain_now__gte=0, pain_now__lte=PAIN_MAX), name="checkin_pain_now_range"
            ),
            models.CheckConstraint(
                condition=Q(pain_worst_24h__gte=0, pain_worst_24h__lte=PAIN_MAX),
                name="checkin_pain_worst_24h_range",
            ),
            models.CheckConstraint(
                condition=Q(pain_weight_bearing__isnull=True)
                | Q(pain_weight_bearing__gte=0, pain_weight_bearing__lte=PAIN_MAX),
                name="checkin_pain_weight_bearing_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    morning_stiffness_minutes__gte=0,
                    morning_stiffness_minutes__lte=STIFFNESS_MAX_MINUTES,
                ),
                name="checkin_morning_stiffness_range",
            ),
            models.CheckConstraint(
                condition=Q(steps__isnull=True) | Q(steps__gte=0, steps__lte=STEPS_MAX),
                name="checkin_steps_range",
            ),
            models.CheckConstraint(
                condition=Q(weight_bearing__in=WeightBearing.values),
                name="checkin_weight_bearing_valid",
            ),
            models.CheckConstraint(
                condition=Q(walking_aid__in=WalkingAid.values),
                name="checkin_walking_aid_valid",
            ),
        ]
        indexes = [models.Index(fields=["patient", "date"], name="checkin_patient_date")]

    def __str__(self) -> str:
        return f"Check-in {self.date} ({self.id})"
