"""Versioned consent documents and each patient's acceptance (and withdrawal) of one."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.timezone import now


class ConsentDocument(models.Model):
    """What a patient agrees to. A new version is a new row; published rows never change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    text = models.TextField()
    published_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="consent_version_positive")
        ]

    def __str__(self) -> str:
        return f"Consent v{self.version}: {self.title}"


class ConsentTranslation(models.Model):
    """One version of the consent document in another language (docs/i18n.md): the version
    stays the thing accepted; a patient reads it in their language when a translation of
    that version exists, else in the document's own language (the deployment default)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.CASCADE, related_name="translations"
    )
    language = models.CharField(max_length=35, help_text="BCP 47 tag, e.g. es.")
    title = models.CharField(max_length=200)
    text = models.TextField()

    class Meta:
        ordering = ["document", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "language"], name="consent_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Consent v{self.document.version} ({self.language})"


class ConsentAcceptance(models.Model):
    """A patient's consent to one document: given at ``accepted_at``, withdrawn at
    ``withdrawn_at``. A withdrawal with no earlier acceptance on record (a patient created
    before consent existed who says no) has no ``accepted_at``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    patient = models.ForeignKey(
        "accounts.Patient", on_delete=models.CASCADE, related_name="consents"
    )
    document = models.ForeignKey(
        ConsentDocument, on_delete=models.PROTECT, related_name="acceptances"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One consent in force per patient at a time.
            models.UniqueConstraint(
                fields=["patient"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_patient",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=False) | Q(withdrawn_at__isnull=False),
                name="consent_accepted_or_withdrawn",
            ),
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True)
                | Q(withdrawn_at__isnull=True)
                | Q(withdrawn_at__gte=F("accepted_at")),
                name="consent_withdrawn_after_accepted",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-created_at"], name="consent_patient_idx")]

    def __str__(self) -> str:
        return f"{self.patient_id} v{self.document.version}"
