"""A TOH episode: one course of the condition for one patient (API.md: Episodes)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone


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


class RecordChange(models.Model):
    """The record-change outbox: one row per accepted write of an episode's record, written in
    the writer's own transaction (docs/flags.md, "When evaluation runs").

    "This episode changed from this local date": the flag engine (apps.flags) claims pending
    rows, evaluates each episode from its earliest changed date through the patient's local
    today and marks them processed. The row is the durable queue; the after-commit kick and
    the minute beat tick only say "look now". No patient data beyond the episode and a date:
    ``last_error`` holds an exception's class name, never its message."""

    id = models.BigAutoField(primary_key=True)
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="record_changes")
    # The earliest local date whose data changed; null = the episode as a whole changed
    # (evaluated from its latest date with data).
    from_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Claimable once this instant has passed: the creation instant, then the end of a
    # claim's lease (a worker that died), then the end of a failed attempt's backoff.
    available_at = models.DateTimeField(default=timezone.now)
    # The last claim's instant (``record_changes_claim``): with ``claim_token`` still set once
    # ``available_at`` has passed, that claim ran out its lease unfinished, and the next claim
    # logs it with this instant.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=100, blank=True, default="")
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The claim: pending rows whose time has come, oldest first.
            models.Index(
                fields=["available_at", "id"],
                condition=Q(processed_at__isnull=True),
                name="recordchange_pending_claim",
            ),
            # The health probe: the oldest pending row.
            models.Index(
                fields=["created_at"],
                condition=Q(processed_at__isnull=True),
                name="recordchange_pending_age",
            ),
            # Pruning processed rows, and the age of the latest processed one.
            models.Index(
                fields=["processed_at"],
                condition=Q(processed_at__isnull=False),
                name="recordchange_processed",
            ),
            # Read models kept from the outbox (the dashboard's patient summaries): "does this
            # patient's episode have a change not yet processed?", one probe per patient.
            models.Index(
                fields=["episode"],
                condition=Q(processed_at__isnull=True),
                name="recordchange_pending_episode",
            ),
        ]

    def __str__(self) -> str:
        state = "processed" if self.processed_at else "pending"
        return f"Record change {self.id} ({state})"
