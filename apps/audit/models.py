"""The access log: one append-only row per staff request and patient touched.

Rows carry ids and labels, never foreign keys: deleting a user or erasing a patient must not
cascade into (or update) the log, which is append-only down to the database (a PostgreSQL
trigger refuses UPDATE and DELETE, see migration 0002). After an erasure the patient's rows
stay, pseudonymised: their ``patient_id`` is a random UUID that nothing maps to a person any
more. See docs/trust.md.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.timezone import now


class AccessAction(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    EXPORT = "export", "Export"
    ERASE = "erase", "Erase"


class AccessLogEntry(models.Model):
    """Who (staff) did what to which patient's data, when, from where, and how it ended."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(default=now, db_index=True)
    # Rows written by the same request share this id (a list page = one request id).
    request_id = models.UUIDField(db_index=True)
    actor_id = models.UUIDField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=300, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    actor_is_superuser = models.BooleanField(default=False)
    patient_id = models.UUIDField(
        null=True, blank=True, help_text="Empty for admin list pages of no single patient."
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    method = models.CharField(max_length=10)
    # The resolved URL name (e.g. "patient-timeline") and route pattern, not the raw path.
    view_name = models.CharField(max_length=200, blank=True)
    route = models.CharField(max_length=300, blank=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    outcome = models.PositiveSmallIntegerField(help_text="HTTP status code of the response.")
    detail = models.JSONField(
        default=dict, blank=True, help_text="Counts and codes only; never patient content."
    )

    class Meta:
        ordering = ["-at"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [models.Index(fields=["patient_id", "-at"], name="audit_patient_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action} {self.view_name}"
