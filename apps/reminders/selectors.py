"""Reads about reminders, and the one decision whether a patient may be reminded."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from apps.accounts.models import Patient
from apps.consent.selectors import consent_withdrawn, patients_with_withdrawn_consent
from apps.reminders.conf import reminder_config
from apps.reminders.models import ReminderKind, ReminderSchedule, ReminderSettings


def reminder_settings_for(patient: Patient) -> ReminderSettings:
    """The stored settings, or unsaved defaults (check-in at 19:00, reminders on)."""
    try:
        return ReminderSettings.objects.get(patient=patient)
    except ReminderSettings.DoesNotExist:
        return ReminderSettings(
            patient=patient, checkin_time=reminder_config().default_checkin_time, enabled=True
        )


def reminder_settings_of(patients: Iterable[Patient]) -> dict[uuid.UUID, ReminderSettings]:
    """``reminder_settings_for`` of many patients in one query, by patient id."""
    patients = list(patients)
    stored = {
        settings.patient_id: settings
        for settings in ReminderSettings.objects.filter(patient_id__in=[p.pk for p in patients])
    }
    defaults = reminder_config().default_checkin_time
    return {
        patient.pk: stored.get(patient.pk)
        or ReminderSettings(patient=patient, checkin_time=defaults, enabled=True)
        for patient in patients
    }


def _account_allows(patient: Patient) -> bool:
    return patient.user.is_active and patient.activated_at is not None


def patient_may_be_reminded(
    patient: Patient, reminder_settings: ReminderSettings | None = None
) -> bool:
    """Whether ``patient`` may get reminders at all: an activated, active account that has
    not withdrawn consent, with reminders switched on. The single place for these conditions."""
    if not _account_allows(patient):
        return False
    if consent_withdrawn(patient):
        return False
    settings = reminder_settings or reminder_settings_for(patient)
    return settings.enabled


def patients_may_be_reminded(
    patients: Iterable[Patient], settings_by_patient: dict[uuid.UUID, ReminderSettings]
) -> set[uuid.UUID]:
    """The ids of those ``patients`` that ``patient_may_be_reminded`` would allow, with one
    query for consent (``patients_with_withdrawn_consent``: the same rule as
    ``consent_withdrawn``, the latest decision is not a withdrawal)."""
    candidates = {
        patient.pk
        for patient in patients
        if _account_allows(patient) and settings_by_patient[patient.pk].enabled
    }
    if not candidates:
        return set()
    withdrawn = patients_with_withdrawn_consent().filter(pk__in=candidates)
    return candidates - set(withdrawn.values_list("pk", flat=True))


def next_due_of(patient: Patient, kind: str = ReminderKind.CHECKIN):
    """The next instant a reminder of ``kind`` is due for ``patient`` (None: none planned)."""
    return (
        ReminderSchedule.objects.filter(patient=patient, kind=kind)
        .values_list("next_due_at", flat=True)
        .first()
    )
