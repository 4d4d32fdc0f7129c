"""Exercise library, plans the care team prescribes, and sessions the patient logs
(API.md: Exercises). Adherence is computed from these in ``selectors.py``."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

PAIN_MAX = 10
SETS_MAX = 20
REPS_MAX = 100
HOLD_SECONDS_MAX = 600
DAYS_PER_WEEK_MIN = 1
DAYS_PER_WEEK_MAX = 7
SETS_DONE_MAX = 50
ITEMS_PER_PLAN_MAX = 30
DAYS_BACK_ALLOWED = 30  # phones sync late (as for check-ins); older session dates are refused


class Category(models.TextChoices):
    STRENGTHENING = "strengthening", "Strengthening"
    RANGE_OF_MOTION = "range_of_motion", "Range of motion"
    BALANCE = "balance", "Balance"
    AEROBIC = "aerobic", "Aerobic"


class Exercise(models.Model):
    """One exercise of the library, with the dose a physiotherapist starts from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A stable handle for data migrations and fixtures; names may be reworded in the admin.
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    category = models.CharField(max_length=20, choices=Category.choices)
    instructions = models.TextField()
    default_sets = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(SETS_MAX)]
    )
    default_reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(REPS_MAX)]
    )
    default_hold_seconds = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(HOLD_SECONDS_MAX)],
    )
    is_active = models.BooleanField(
        default=True, help_text="Inactive exercises stay in old plans but cannot be prescribed."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    category__in=["strengthening", "range_of_motion", "balance", "aerobic"]
                ),
                name="exercise_category_valid",
            ),
            models.CheckConstraint(
                condition=Q(default_reps__isnull=False) | Q(default_hold_seconds__isnull=False),
                name="exercise_default_reps_or_hold",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExercisePlan(models.Model):
    """A prescription for one episode. Plans are never edited or deleted: a new plan
    supersedes the previous one from its start date, and the previous one's
    ``effective_ends_on`` becomes the day before, so the history shows what was in force
    on any past date (adherence is computed against it)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="exercise_plans"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(
        null=True, blank=True, help_text="The end the care team prescribed (open-ended if empty)."
    )
    # Last day in force: ``ends_on`` until a later plan cuts it to the day before its start.
    # Before ``starts_on`` when a later plan replaced it before it ever began.
    effective_ends_on = models.DateField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    prescribed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="exercise_plan_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["episode", "starts_on"], name="exercise_plan_episode")]

    def __str__(self) -> str:
        return f"Plan from {self.starts_on} ({self.id})"

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (
            self.effective_ends_on is None or day <= self.effective_ends_on
        )


class PlanItem(models.Model):
    """One exercise of a plan with its dose: sets of reps, or sets of a hold (or both)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(ExercisePlan, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="plan_items")
    position = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(SETS_MAX)]
    )
    reps = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(REPS_MAX)]
    )
    hold_seconds = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(HOLD_SECONDS_MAX)],
    )
    days_per_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(DAYS_PER_WEEK_MIN), MaxValueValidator(DAYS_PER_WEEK_MAX)]
    )

    class Meta:
        ordering = ["plan_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "exercise"], name="plan_item_exercise_unique"),
            models.CheckConstraint(
                condition=Q(reps__isnull=False) | Q(hold_seconds__isnull=False),
                name="plan_item_reps_or_hold",
            ),
            models.CheckConstraint(
                condition=Q(days_per_week__gte=DAYS_PER_WEEK_MIN)
                & Q(days_per_week__lte=DAYS_PER_WEEK_MAX),
                name="plan_item_days_per_week_range",
            ),
            models.CheckConstraint(
                condition=Q(sets__gte=1) & Q(sets__lte=SETS_MAX), name="plan_item_sets_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise_id} × {self.sets} ({self.days_per_week}/week)"


class ExerciseSession(models.Model):
    """One exercise session the patient logged. Several a day are fine (no natural key
    besides the phone's ``client_id``), so sessions never conflict; adherence counts the
    distinct days with a session."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="exercise_sessions"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="exercise_sessions"
    )
    plan_item = models.ForeignKey(PlanItem, on_delete=models.PROTECT, related_name="sessions")
    client_id = models.UUIDField()
    date = models.DateField(help_text="The patient's local date of the session.")
    sets_done = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(SETS_DONE_MAX)]
    )
    pain_during = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(PAIN_MAX)]
    )
    recorded_at = models.DateTimeField(help_text="When the phone recorded it (sent with offset).")
    received_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-date", "-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="exercise_session_patient_client_id"
            ),
            models.CheckConstraint(
                condition=Q(pain_during__isnull=True) | Q(pain_during__lte=PAIN_MAX),
                name="exercise_session_pain_during_range",
            ),
            models.CheckConstraint(
                condition=Q(sets_done__gte=1) & Q(sets_done__lte=SETS_DONE_MAX),
                name="exercise_session_sets_done_range",
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "date"], name="exercise_session_episode_date"),
            models.Index(fields=["patient", "date"], name="exercise_session_patient_date"),
        ]

    def __str__(self) -> str:
        return f"Session {self.date} ({self.id})"
