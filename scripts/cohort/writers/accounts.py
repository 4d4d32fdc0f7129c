"""Writes each simulated patient's account: the user, the patient and the consent on file."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from scripts.cohort.model import PatientCourse
from scripts.cohort.writers.context import WriteContext


def write_patients(courses: Sequence[PatientCourse], context: WriteContext) -> int:
    """The users and patients of ``courses`` (enrolled at local noon of the enrolment day,
    activated two hours later) and their consent acceptances."""
    from apps.accounts.models import Patient, Role, User

    users, patients = [], []
    for course in courses:
        enrolled_at = context.local_noon(course.enrolled_on)
        users.append(
            User(
                id=course.user_id,
                email=(
                    f"{course.first_name}.{course.last_name}.{course.index}@{context.email_domain}"
                ).lower(),
                first_name=course.first_name,
                last_name=course.last_name,
                role=Role.PATIENT,
                password=context.password_hash,
                date_joined=enrolled_at,
            )
        )
        patients.append(
            Patient(
                id=course.patient_id,
                user_id=course.user_id,
                care_team=context.team(course),
                date_of_birth=course.date_of_birth,
                sex=course.sex,
                timezone=str(context.zone),
                enrolled_at=enrolled_at,
                enrolled_by=context.prescriber(course),
                activated_at=enrolled_at + dt.timedelta(hours=2),
            )
        )
    User.objects.bulk_create(users, batch_size=1000)
    Patient.objects.bulk_create(patients, batch_size=1000)
    _record_consents(patients)
    return len(patients)


def _record_consents(patients: Sequence[Any]) -> None:
    """Each synthetic patient accepted the consent document in force when their account was
    activated (or when it was published, if later), as enrolment records it: a patient with a
    record and no consent on file would contradict the consent gate (docs/trust.md). Nothing
    is recorded while no document is published."""
    from apps.consent.models import ConsentAcceptance
    from apps.consent.selectors import current_document

    document = current_document()
    if document is None:
        return
    ConsentAcceptance.objects.bulk_create(
        [
            ConsentAcceptance(
                patient_id=patient.id,
                document=document,
                accepted_at=max(patient.activated_at, document.published_at),
                created_at=max(patient.activated_at, document.published_at),
            )
            for patient in patients
        ],
        batch_size=1000,
    )
