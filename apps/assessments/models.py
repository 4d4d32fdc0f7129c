"""Clinic assessments: what a physiotherapist measured (API.md: Clinic assessments). The tests,
their units and MDCs are data in ``catalogue.py``."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q

from apps.assessments.catalogue import TEST_CHOICES, TEST_CODES

NOTES_MAX_LENGTH = 2000


class AssessmentSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"


class Movement(models.TextChoices):
    FLEXION = "flexion", "Flexion"
    EXTENSION = "extension", "Extension"
    ABDUCTION = "abduction", "Abduction"
    ADDUCTION = "adduction", "Adduction"
    INTERNAL_ROTATION = "internal_rotation", "Internal rotation"
    EXTERNAL_ROTATION = "external_rotation", "External rotation"


class Method(models.TextChoices):
    GONIOMETER = "goniometer", "Goniometer"
    INCLINOMETER = "inclinometer", "Inclinometer"
    VISUAL = "visual", "Visual estimate"


class AssessmentAid(models.TextChoices):
    NONE = "none", "None"
    CANE = "cane", "Cane"
    CRUTCHES = "crutches", "Crutches"
    WALKER = "walker", "Walker"


class Assessment(models.Model):
    """One measurement of one test (on one side, for one movement where the test has them) on
    the patient's local ``date``. The unit is the test's (catalogue.py), never stored per row.
    ``patient`` is stored beside the episode so the idempotency key is one unique index."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="assessments"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="assessments"
    )
    client_id = models.UUIDField()
    date = models.DateField(help_text="The patient's local date of the measurement.")
    test = models.CharField(max_length=40, choices=TEST_CHOICES)
    side = models.CharField(max_length=5, choices=AssessmentSide.choices, blank=True, default="")
    movement = models.CharField(max_length=20, choices=Movement.choices, blank=True, default="")
    value = models.DecimalField(max_digits=9, decimal_places=2)
    method = models.CharField(max_length=20, choices=Method.choices, blank=True, default="")
    aid = models.CharField(max_length=10, choices=AssessmentAid.choices, blank=True, default="")
    notes = models.TextField(blank=True, default="", max_length=NOTES_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="assessment_patient_client_id"
            ),
            models.CheckConstraint(condition=Q(test__in=TEST_CODES), name="assessment_test_valid"),
            models.CheckConstraint(
                condition=Q(side__in=["", "left", "right"]), name="assessment_side_valid"
            ),
            models.CheckConstraint(
                condition=Q(movement="") | Q(test="hip_rom"),
                name="assessment_movement_only_for_rom",
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "test", "date"], name="assessment_episode_test"),
            models.Index(fields=["episode", "date"], name="assessment_episode_date"),
        ]

    def __str__(self) -> str:
        return f"{self.test} {self.date} ({self.id})"
