"""Reads of the access log."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Patient
from apps.audit.models import AccessLogEntry


def access_log_for_patient(patient: Patient) -> QuerySet[AccessLogEntry]:
    """What staff did with ``patient``'s record that succeeded, newest first.

    Denied attempts (4xx/5xx) stay in the log for the clinic and the admin but are not shown
    to the patient: they touched nothing."""
    return AccessLogEntry.objects.filter(patient_id=patient.pk, outcome__lt=400).order_by(
        "-at", "-id"
    )
