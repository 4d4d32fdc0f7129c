"""A TOH episode: one course of the condition for one patient (API.md: Episodes)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import F, Q


class Side(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class DiagnosisMethod(models.TextChoices):
    MRI = "mri", "MRI"
    XRAY = "xray", "X-ray"
    CLINICAL = "clinical", "Clinical"


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"


class Episode(models.Model):
    """One course of TOH. At most one episode per patient is active at a time (a constraint,
    so two concurrent creations cannot both win); check-ins, plans and flags hang off it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="episodes"
    )
    # A phone that creates an episode (POST me/episodes/) may send one, to retry safely.
    client_id = models.UUIDField(null=True, blank=True)
    affected_side = models.CharField(max_length=5, choices=Side.choices)
    symptom_onset_date = models.DateField()
    diagnosis_date = models.DateField(null=True, blank=True)
    diagnosis_method = models.CharField(
        max_length=10, choices=DiagnosisMethod.choices, blank=True, default=""
    )
    pregnancy_associated = models.BooleanField(default=False)
    home_treatment_started_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    resolved_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-symptom_onset_date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(status="active"),
                name="episode_one_active_per_patient",
            ),
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="episode_patient_client_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(affected_side__in=["left", "right", "both"]),
                name="episode_affected_side_valid",
            ),
            models.CheckConstraint(
                condition=Q(diagnosis_method__in=["", "mri", "xray", "clinical"]),
                name="episode_diagnosis_method_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status="active") & Q(resolved_on__isnull=True))
                | (Q(status="resolved") & Q(resolved_on__isnull=False)),
                name="episode_resolved_on_iff_resolved",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(resolved_on__gte=F("symptom_onset_date")),
                name="episode_resolved_after_onset",
            ),
            models.CheckConstraint(
                condition=Q(diagnosis_date__isnull=True)
                | Q(diagnosis_date__gte=F("symptom_onset_date")),
                name="episode_diagnosed_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.id} ({self.get_affected_side_display()}, {self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == EpisodeStatus.ACTIVE

    def weeks_since_onset(self, on: dt.date) -> int:
        """Whole weeks from symptom onset to the local date ``on`` (0 in the first week).

        Date arithmetic on local dates, so daylight-saving changes never shift it."""
        return max((on - self.symptom_onset_date).days, 0) // 7
