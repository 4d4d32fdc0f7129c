"""Enrolment does not reveal accounts outside the caller's care (docs/trust.md): enrolling an
address that already has an account elsewhere answers exactly like a fresh enrolment, stores
nothing, hands out a code that never works, and tells the account holder by e-mail."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from apps.accounts.models import EnrolmentCode, Patient, User
from tests.accounts.factories import (
    DEFAULT_PASSWORD,
    CareTeamFactory,
    PatientFactory,
    physio_in,
)

pytestmark = pytest.mark.django_db

CODE = re.compile(r"^[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}$")


@pytest.fixture(autouse=True)
def consent_document(db):
    from tests.consent.factories import published_consent

    return published_consent(1)


@pytest.fixture
def clinic_a_patient(db):
    return PatientFactory(
        user__email="pat1@seca.test", user__first_name="Ada", user__last_name="Quint"
    )


@pytest.fixture
def clinic_b(db):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(physio_in(CareTeamFactory()))
    return client


def enrolment(email: str, **overrides) -> dict:
    return {
        "email": email,
        "first_name": "Maria",
        "last_name": "Lopez",
        "date_of_birth": "1991-03-02",
        "sex": "female",
        "timezone": "Europe/Madrid",
        **overrides,
    }


def shape(body: dict) -> dict:
    """What tells two answers apart beyond the caller's own input: keys, types, formats."""
    return {
        key: (type(value).__name__, bool(CODE.match(value)) if key == "enrolment_code" else None)
        for key, value in body.items()
    }


def test_enrolling_another_clinics_patient_answers_like_a_fresh_enrolment(
    clinic_b, clinic_a_patient, django_capture_on_commit_callbacks
):
    fresh = clinic_b.post("/api/v1/patients/", enrolment("new.person@example.org"))
    with django_capture_on_commit_callbacks(execute=True):
        clash = clinic_b.post("/api/v1/patients/", enrolment("PAT1@seca.test"))
    assert fresh.status_code == clash.status_code == 201
    assert set(fresh.headers) == set(clash.headers)
    f, c = fresh.json(), clash.json()
    assert shape(f) == shape(c)
    # Everything but the ids, the code and the instants is what the caller sent, alike.
    varying = {"id", "email", "enrolment_code", "enrolled_at", "enrolment_code_expires_at"}
    assert {k: v for k, v in f.items() if k not in varying} == {
        k: v for k, v in c.items() if k not in varying
    }
    assert c["email"] == "pat1@seca.test"
    assert c["is_active"] is False
    assert c["activated_at"] is None


def test_nothing_of_clinic_a_leaks_and_nothing_changes(
    clinic_b, clinic_a_patient, django_capture_on_commit_callbacks
):
    user_before = User.objects.values().get(pk=clinic_a_patient.user.pk)
    with django_capture_on_commit_callbacks(execute=True):
        clash = clinic_b.post("/api/v1/patients/", enrolment("pat1@seca.test"))
    text = clash.content.decode()
    for private in (
        str(clinic_a_patient.pk),
        str(clinic_a_patient.user.pk),
        str(clinic_a_patient.care_team.pk),
        str(clinic_a_patient.care_team.clinic.pk),
        clinic_a_patient.care_team.clinic.name,
        "Ada",
        "Quint",
        clinic_a_patient.date_of_birth.isoformat(),
        "exist",
    ):
        assert private not in text, private
    assert User.objects.values().get(pk=clinic_a_patient.user.pk) == user_before
    assert Patient.objects.count() == 1
    assert not EnrolmentCode.objects.exists()
    assert clinic_b.get("/api/v1/patients/").json()["count"] == 0


def test_the_code_never_works_and_fails_like_any_bad_code(
    clinic_b, clinic_a_patient, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        code = clinic_b.post("/api/v1/patients/", enrolment("pat1@seca.test")).json()[
            "enrolment_code"
        ]
    body = {"enrolment_code": code, "password": "a-brand-new-password-1", "consent_version": 1}
    used = api_client.post("/api/v1/auth/enrol/", body)
    made_up = api_client.post("/api/v1/auth/enrol/", {**body, "enrolment_code": "ABCDE-FGHJK"})
    assert used.status_code == made_up.status_code == 400
    assert used.json() == made_up.json()
    user = User.objects.get(pk=clinic_a_patient.user.pk)
    assert user.check_password(DEFAULT_PASSWORD)


def test_the_account_holder_is_told_by_e_mail_without_the_clinic(
    clinic_b, clinic_a_patient, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        clinic_b.post("/api/v1/patients/", enrolment("pat1@seca.test"))
    assert [m.to for m in mail.outbox] == [["pat1@seca.test"]]
    text = mail.outbox[0].subject + mail.outbox[0].body
    assert "already have" in text
    physio = User.objects.get(role="physiotherapist")
    for private in (physio.clinic.name, physio.last_name, physio.email, "hip"):
        assert private not in text


def test_a_fresh_enrolment_sends_no_mail(clinic_b, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        clinic_b.post("/api/v1/patients/", enrolment("new.person@example.org"))
    assert mail.outbox == []


def test_a_patient_of_another_team_of_the_same_clinic_is_not_revealed_either(
    clinic_a_patient, api_client
):
    colleague = physio_in(CareTeamFactory(clinic=clinic_a_patient.care_team.clinic))
    api_client.force_authenticate(colleague)
    response = api_client.post("/api/v1/patients/", enrolment("pat1@seca.test"))
    assert response.status_code == 201
    assert Patient.objects.count() == 1


def test_staff_addresses_are_not_revealed(clinic_b):
    staff = physio_in(CareTeamFactory())
    response = clinic_b.post("/api/v1/patients/", enrolment(staff.email))
    assert response.status_code == 201
    assert User.objects.get(pk=staff.pk).role == "physiotherapist"
    assert not Patient.objects.exists()


def test_a_patient_in_the_callers_own_care_is_named_as_such(clinic_a_patient, api_client):
    own = physio_in(clinic_a_patient.care_team)
    api_client.force_authenticate(own)
    response = api_client.post("/api/v1/patients/", enrolment("pat1@seca.test"))
    assert response.status_code == 400
    assert "email" in response.json()["errors"]
    assert mail.outbox == []
