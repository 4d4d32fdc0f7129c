"""Reads about reminders, and the one decision whether a patient may be reminded."""

from __future__ import annotations

from apps.accounts.models import Patient
from apps.consent.selectors import consent_withdrawn
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


def patient_may_be_reminded(
    patient: Patient, reminder_settings: ReminderSettings | None = None
) -> bool:
    """Whether ``patient`` may get reminders at all: an activated, active account that has
    not withdrawn consent, with reminders switched on. The single place for these conditions."""
    if not patient.user.is_active or patient.activated_at is None:
        return False
    if consent_withdrawn(patient):
        return False
    settings = reminder_settings or reminder_settings_for(patient)
    return settings.enabled


def next_due_of(patient: Patient, kind: str = ReminderKind.CHECKIN):
    """The next instant a reminder of ``kind`` is due for ``patient`` (None: none planned)."""
    return (
        ReminderSchedule.objects.filter(patient=patient, kind=kind)
        .values_list("next_due_at", flat=True)
        .first()
    )
