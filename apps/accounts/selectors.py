"""Who may see which patient. Every view that touches a patient goes through these."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import CareTeam, Patient, Role, User
from apps.core.access_recorder import RecordingPatientQuerySet


def _patients() -> QuerySet[Patient]:
    # Every patient row these selectors hand out is recorded for the access log
    # (apps.audit.middleware writes it for staff requests).
    return RecordingPatientQuerySet(model=Patient).select_related("user", "care_team")


def patients_for_clinician(user: User) -> QuerySet[Patient]:
    """Patients a staff user may see: a physiotherapist, those of their care teams; a clinic
    admin, every patient of their clinic; a superuser, everyone. Anyone else: nobody."""
    patients = _patients()
    if user is None or not user.is_authenticated or not user.is_active:
        return patients.none()
    if user.is_superuser:
        return patients
    if user.role == Role.PHYSIOTHERAPIST:
        return patients.filter(care_team__memberships__user=user).distinct()
    if user.role == Role.CLINIC_ADMIN and user.clinic_id:
        return patients.filter(care_team__clinic_id=user.clinic_id)
    return patients.none()


def patients_visible_to(user: User) -> QuerySet[Patient]:
    """Clinicians see their patients; a patient sees only themself."""
    if user is not None and user.is_authenticated and user.role == Role.PATIENT:
        return _patients().filter(user=user)
    return patients_for_clinician(user)


def access_patient(user: User, patient_id: uuid.UUID | str) -> Patient:
    """The patient if ``user`` may see them; 404 otherwise, so nothing leaks their existence."""
    try:
        return patients_visible_to(user).get(pk=patient_id)
    except (Patient.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such patient.") from error
    except Exception as error:
        # A malformed UUID raises ValidationError from the field; treat it as not found.
        from django.core.exceptions import ValidationError

        if isinstance(error, ValidationError):
            raise Http404("No such patient.") from error
        raise


def patient_of_user(user: User) -> Patient:
    """The patient record of a logged-in patient (404 for anyone else)."""
    if user is None or not user.is_authenticated or user.role != Role.PATIENT:
        raise Http404("Only patients have this resource.")
    try:
        if User.patient.is_cached(user):
            # The device-token lookup read it with the user (apps.accounts.authentication).
            return user.patient
        return Patient.objects.select_related("user", "care_team").get(user=user)
    except Patient.DoesNotExist as error:
        raise Http404("No patient record for this account.") from error


def is_in_care_of(user: User, patient: Patient) -> bool:
    """Whether ``user`` is staff who may act on ``patient``."""
    return patients_for_clinician(user).filter(pk=patient.pk).exists()


def care_teams_for_clinician(user: User) -> QuerySet[CareTeam]:
    teams = CareTeam.objects.select_related("clinic")
    if user.is_superuser:
        return teams
    if user.role == Role.PHYSIOTHERAPIST:
        return teams.filter(memberships__user=user)
    if user.role == Role.CLINIC_ADMIN and user.clinic_id:
        return teams.filter(clinic_id=user.clinic_id)
    return teams.none()


def clinicians_of_patient(patient: Patient) -> QuerySet[User]:
    """The physiotherapists who look after ``patient`` (for notifications)."""
    return User.objects.filter(
        care_team_memberships__care_team_id=patient.care_team_id, is_active=True
    ).distinct()


def clinic_admins_of_patient(patient: Patient) -> QuerySet[User]:
    return User.objects.filter(
        role=Role.CLINIC_ADMIN, clinic_id=patient.care_team.clinic_id, is_active=True
    )
