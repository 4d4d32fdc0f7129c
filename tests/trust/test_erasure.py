from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Patient, User
from apps.audit.models import AccessLogEntry
from apps.audit.patient_data import patient_data_models
from tests.trust.world import build_world

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world():
    return build_world()


def erase(world, role: str, confirmation: str | None = None):
    target = world.target.patient
    return client_for(world.roles[role]).post(
        f"/api/v1/patients/{target.id}/erase/",
        {"confirmation": confirmation if confirmation is not None else target.user.email},
        format="json",
    )


def rows_about(patient_id) -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.filter(**{lookup: patient_id}).count()
        for model, lookup in patient_data_models()
    }


def test_clinic_admin_erases_every_row_about_the_patient(world):
    target = world.target.patient
    patient_id, user_id, email = target.id, target.user_id, target.user.email
    # 11 for check-ins, plans, sessions, flags, ...; 10 for questionnaires: a response with 6
    # answers and 1 score, a request and the episode's schedule; 3 for the clinical course.
    assert sum(rows_about(patient_id).values()) == 24

    response = erase(world, "admin_clinic")

    assert response.status_code == 200, response.json()
    assert response.json()["erased"] is True
    assert rows_about(patient_id) == {label: 0 for label in rows_about(patient_id)}
    assert not Patient.objects.filter(pk=patient_id).exists()
    assert not User.objects.filter(pk=user_id).exists()
    assert not User.objects.filter(email=email).exists()
    from apps.notifications.models import Device, Notification

    assert not Device.objects.filter(pk=world.target.device.pk).exists()
    assert not Notification.objects.filter(pk=world.target.notification.pk).exists()
    counts = response.json()["rows_deleted"]
    assert counts["checkins.CheckIn"] == 2
    assert counts["exercises.ExercisePlan"] == 2
    assert counts["accounts.Patient"] == 1
    assert counts["outcomes.QuestionnaireResponse"] == 1
    assert counts["outcomes.Answer"] == 6
    assert counts["outcomes.Score"] == 1
    assert counts["outcomes.QuestionnaireRequest"] == 1
    # The clinical course (assessments, treatments, imaging) is erased with the rest.
    assert counts["assessments.Assessment"] == 1
    assert counts["treatments.Treatment"] == 1
    assert counts["treatments.ImagingStudy"] == 1


def test_erasure_is_recorded_with_who_and_counts_but_no_content(world):
    target = world.target.patient
    admin = world.roles["admin_clinic"]
    erase(world, "admin_clinic")
    entry = AccessLogEntry.objects.get(view_name="patient_erase")
    assert (entry.action, entry.actor_id, entry.actor_role, entry.patient_id) == (
        "erase",
        admin.id,
        "clinic_admin",
        target.id,
    )
    assert entry.detail["rows_deleted"]["checkins.CheckIn"] == 2
    stored = str(
        list(AccessLogEntry.objects.values_list("detail", "actor_name", "view_name", "route"))
    )
    for content in [target.user.email, target.user.first_name, target.user.last_name]:
        assert content not in stored
    request_entry = AccessLogEntry.objects.get(view_name="patient-erase")
    assert (request_entry.action, request_entry.outcome) == ("erase", 200)


def test_earlier_access_log_rows_survive_pseudonymised(world):
    target = world.target.patient
    client_for(world.roles["physio_team"]).get(f"/api/v1/patients/{target.id}/")
    erase(world, "admin_clinic")
    earlier = AccessLogEntry.objects.get(view_name="patient-detail")
    assert earlier.patient_id == target.id
    assert not Patient.objects.filter(pk=earlier.patient_id).exists()


def test_wrong_confirmation_erases_nothing(world):
    before = rows_about(world.target.patient.id)
    response = erase(world, "admin_clinic", confirmation="someone@else.example")
    assert response.status_code == 400
    assert "confirmation" in response.json()["errors"]
    assert rows_about(world.target.patient.id) == before
    assert not AccessLogEntry.objects.filter(action="erase", outcome=200).exists()


@pytest.mark.parametrize("role", ["physio_team", "patient_self"])
def test_only_clinic_admins_may_erase(world, role):
    before = rows_about(world.target.patient.id)
    assert erase(world, role).status_code == 403
    assert rows_about(world.target.patient.id) == before


@pytest.mark.parametrize("role", ["admin_other_clinic", "physio_other_clinic"])
def test_staff_of_another_clinic_get_404_and_erase_nothing(world, role):
    before = rows_about(world.target.patient.id)
    assert erase(world, role).status_code == 404
    assert rows_about(world.target.patient.id) == before


def test_other_patients_keep_their_data(world):
    from tests.trust.world import full_record

    neighbour = full_record(world.other_patient)
    before = rows_about(neighbour.patient.id)
    erase(world, "admin_clinic")
    assert rows_about(neighbour.patient.id) == before
    assert sum(before.values()) == 24  # 11 + 10 questionnaire rows + 3 clinical course
