"""Events of apps.accounts that higher apps follow (registered in their AppConfig.ready();
apps.accounts imports none of them). See apps/core/hooks.py and docs/CONTRACTS.md."""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Patient
from apps.core.hooks import Hook

#: Fired by ``patient_update_profile`` inside its transaction, after the patient's new time
#: zone is saved: their local days and wall-clock times moved. apps.reminders recomputes the
#: next due reminders (``reminder_schedules_recompute``).
patient_time_zone_changed: Hook[Patient] = Hook("accounts.patient_time_zone_changed")

#: Fired inside the writer's transaction after a patient's new phone number is saved
#: (``patient_update_profile``; the patient admin's change form): apps.notifications lifts a
#: provider's refusal of the old number (``sms_follows_phone``), since SMS goes to this one.
patient_phone_changed: Hook[Patient] = Hook("accounts.patient_phone_changed")


@dataclass(frozen=True)
class EnrolmentActivation:
    """A patient about to activate their account: ``consent_version`` is the consent
    document version their enrolment request accepted (None when it named none)."""

    patient: Patient
    consent_version: int | None


#: Fired by ``enrolment_activate`` inside its transaction (the enrolment code row locked),
#: after the password is validated and before the account is activated. A listener refuses
#: the activation by raising a ``DomainError`` (the whole enrolment rolls back).
#: apps.consent requires and records the acceptance of the current consent document
#: (``apps.consent.services.consent_at_enrolment``).
enrolment_activating: Hook[EnrolmentActivation] = Hook("accounts.enrolment_activating")
