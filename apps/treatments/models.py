"""Treatments and imaging of an episode (API.md: Treatments and imaging). No standard schedule
exists for weight-bearing duration or follow-up imaging in TOH (OUTCOMES.md), so both are
data: phases that end and follow each other, studies on their dates."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import models
from django.db.models import F, Q

REPORT_MAX_LENGTH = 20_000


class TreatmentKind(models.TextChoices):
    PROTECTED_WEIGHT_BEARING = "protected_weight_bearing", "Protected weight bearing"
    NSAID = "nsaid", "NSAID"
    BISPHOSPHONATE = "bisphosphonate", "Bisphosphonate"
    CALCITONIN = "calcitonin", "Calcitonin"
    TERIPARATIDE = "teriparatide", "Teriparatide"
    VITAMIN_D_CALCIUM = "vitamin_d_calcium", "Vitamin D and calcium"
    CORE_DECOMPRESSION = "core_decompression", "Core decompression"
    HIP_DRILLING = "hip_drilling", "Hip drilling"
    SURGERY = "surgery", "Surgery"
    DELIVERY = "delivery", "Delivery"
    OTHER = "other", "Other"


#: Kinds that are a medicine (FHIR MedicationAdministration for a dose, MedicationStatement for
#: a course); the procedures are FHIR Procedure.
MEDICATION_KINDS = frozenset({"nsaid", "bisphosphonate", "calcitonin", "teriparatide"}) | {
    "vitamin_d_calcium"
}
PROCEDURE_KINDS = frozenset({"core_decompression", "hip_drilling", "surgery", "delivery"})


class WeightBearingLevel(models.TextChoices):
    NON = "non", "Non weight bearing"
    TOE_TOUCH = "toe_touch", "Toe-touch weight bearing"
    PARTIAL = "partial", "Partial weight bearing"
    AS_TOLERATED = "as_tolerated", "Weight bearing as tolerated"


class Bisphosphonate(models.TextChoices):
    ZOLEDRONIC_ACID = "zoledronic_acid", "Zoledronic acid"
    IBANDRONATE = "ibandronate", "Ibandronate"
    ALENDRONATE = "alendronate", "Alendronate"
    PAMIDRONATE = "pamidronate", "Pamidronate"
    NERIDRONATE = "neridronate", "Neridronate"


class Route(models.TextChoices):
    IV = "iv", "Intravenous"
    ORAL = "oral", "Oral"
    IM = "im", "Intramuscular"
    SC = "sc", "Subcutaneous"
    NASAL = "nasal", "Nasal"


class Treatment(models.Model):
    """One treatment of an episode from ``starts_on`` (to ``ends_on``, open while null). A
    bisphosphonate is one record per dose (``ends_on`` = ``starts_on``). Protected weight
    bearing is a phase: a new phase ends the one in force the day before it starts.
    ``detail`` holds the kind's fields, validated per kind (inputs.py)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="treatments"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="treatments"
    )
    client_id = models.UUIDField()
    kind = models.CharField(max_length=30, choices=TreatmentKind.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-starts_on", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="treatment_patient_client_id"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TreatmentKind.values), name="treatment_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="treatment_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["episode", "starts_on"], name="treatment_episode_start")]

    def __str__(self) -> str:
        return f"{self.kind} from {self.starts_on} ({self.id})"

    def is_in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


class Modality(models.TextChoices):
    MRI = "mri", "MRI"
    XRAY = "xray", "X-ray"
    DEXA = "dexa", "DEXA"
    CT = "ct", "CT"


class EdemaGrade(models.TextChoices):
    NONE = "none", "None"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class ImagingSide(models.TextChoices):
    LEFT = "left", "Left"
    RIGHT = "right", "Right"
    BOTH = "both", "Both"


class ImagingStudy(models.Model):
    """One imaging result: structured findings (bone marrow oedema grade, fracture line,
    DEXA T- and Z-scores) and the free-text report."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.PROTECT, related_name="imaging_studies"
    )
    episode = models.ForeignKey(
        "episodes.Episode", on_delete=models.PROTECT, related_name="imaging_studies"
    )
    client_id = models.UUIDField()
    date = models.DateField()
    modality = models.CharField(max_length=5, choices=Modality.choices)
    side = models.CharField(max_length=5, choices=ImagingSide.choices, blank=True, default="")
    bone_marrow_edema = models.CharField(
        max_length=10, choices=EdemaGrade.choices, blank=True, default=""
    )
    fracture_line = models.BooleanField(null=True, blank=True)
    t_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    z_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    report = models.TextField(blank=True, default="", max_length=REPORT_MAX_LENGTH)
    recorded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-created_at"]
        verbose_name_plural = "imaging studies"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "client_id"], name="imaging_patient_client_id"
            ),
            models.CheckConstraint(
                condition=Q(modality__in=Modality.values), name="imaging_modality_valid"
            ),
        ]
        indexes = [models.Index(fields=["episode", "date"], name="imaging_episode_date")]

    def __str__(self) -> str:
        return f"{self.modality} {self.date} ({self.id})"
