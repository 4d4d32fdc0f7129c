"""A phone number on the patient: at enrolment and `PATCH me/`, validated, shown to the care
team, never logged (issue 18)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from apps.accounts.models import Patient
from apps.core.logging import RedactHealthData, redact
from tests.accounts.factories import PatientFactory

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "email": "new.patient@example.com",
    "first_name": "Nia",
    "last_name": "Okoro",
    "date_of_birth": "1990-04-02",
    "sex": "female",
    "timezone": "Europe/London",
}


def test_enrolment_stores_a_phone_in_international_form(physio_client):
    response = physio_client.post(
        "/api/v1/patients/", {**NEW_PATIENT, "phone": "+44 20 7946 0958"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["phone"] == "+44 20 7946 0958"
    assert Patient.objects.get(pk=response.json()["id"]).phone == "+44 20 7946 0958"


@pytest.mark.parametrize("phone", ["020 7946 0958", "+44", "call me", "+1" + "2" * 20])
def test_a_phone_not_in_international_form_is_a_field_error(physio_client, phone):
    response = physio_client.post(
        "/api/v1/patients/", {**NEW_PATIENT, "phone": phone}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["phone"]
    assert not Patient.objects.filter(user__email=NEW_PATIENT["email"]).exists()


def test_a_patient_sets_and_clears_their_phone_and_staff_cannot(
    patient_client, patient, physio_client
):
    set_ = patient_client.patch("/api/v1/me/", {"phone": "+33 1 23 45 67 89"}, format="json")
    patient.refresh_from_db()
    assert set_.status_code == 200
    assert set_.json()["phone"] == "+33 1 23 45 67 89"
    assert patient.phone == "+33 1 23 45 67 89"

    cleared = patient_client.patch("/api/v1/me/", {"phone": ""}, format="json")
    patient.refresh_from_db()
    assert (cleared.status_code, patient.phone) == (200, "")

    staff = physio_client.patch("/api/v1/me/", {"phone": "+44 20 7946 0958"}, format="json")
    assert staff.status_code == 400
    assert list(staff.json()["errors"]) == ["phone"]


def test_the_care_team_sees_the_phone_on_the_patient_page(physio, care_team):
    patient = PatientFactory(care_team=care_team, phone="+44 161 496 0000")
    web = Client()
    web.force_login(physio)

    html = web.get(f"/dashboard/patients/{patient.pk}/").content.decode()

    assert 'href="tel:+44 161 496 0000"' in html


def test_a_phone_number_never_reaches_the_log():
    record = logging.LogRecord(
        "apps.accounts",
        logging.INFO,
        __file__,
        1,
        "Patient %s phone %s",
        ("p1", "+44 20 7946 0958"),
        None,
    )

    RedactHealthData().filter(record)

    assert record.getMessage() == "Patient p1 phone <phone>"
    assert redact("called +1 (555) 010-9999 today") == "called <phone> today"
    # Dates, times and ids are not numbers in international form: they stay.
    assert redact("2026-03-10 12:00:00 id 3fa85f64-5717") == "2026-03-10 12:00:00 id 3fa85f64-5717"
