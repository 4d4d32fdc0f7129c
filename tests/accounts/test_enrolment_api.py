from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from knox.models import AuthToken

from apps.accounts.models import EnrolmentCode, Patient, User
from tests.accounts.factories import CareTeamFactory, physio_in

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "email": "Maria.Lopez@example.org",
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "1991-03-02",
    "sex": "female",
    "timezone": "Pacific/Auckland",
}
STRONG_PASSWORD = "hip-recovery-2026!"


@pytest.fixture(autouse=True)
def consent_document(db):
    # Enrolment carries the patient's consent to the published document (apps.consent).
    from tests.consent.factories import published_consent

    return published_consent(1)


def enrol(client, **overrides):
    return client.post("/api/v1/patients/", {**NEW_PATIENT, **overrides}, format="json")


def test_physiotherapist_enrols_patient_who_activates_with_code_and_gets_token(
    physio_client, api_client, physio
):
    created = enrol(physio_client)
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["email"] == "maria.lopez@example.org"
    assert body["timezone"] == "Pacific/Auckland"
    assert body["is_active"] is False
    code = body["enrolment_code"]

    activated = api_client.post(
        "/api/v1/auth/enrol/",
        {"enrolment_code": code, "password": STRONG_PASSWORD, "consent_version": 1},
    )
    assert activated.status_code == 201, activated.json()
    token = activated.json()["token"]
    assert activated.json()["user"]["patient_id"] == body["id"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["patient_id"] == body["id"]
    assert me.json()["timezone"] == "Pacific/Auckland"


def test_physiotherapist_of_another_clinic_gets_404_for_the_patient(physio_client, api_client):
    patient_id = enrol(physio_client).json()["id"]
    stranger = physio_in(CareTeamFactory())
    api_client.force_authenticate(stranger)

    assert api_client.get(f"/api/v1/patients/{patient_id}/").status_code == 404
    assert api_client.get("/api/v1/patients/").json()["count"] == 0


def test_physiotherapist_of_another_care_team_in_same_clinic_gets_404(
    physio_client, api_client, care_team
):
    patient_id = enrol(physio_client).json()["id"]
    colleague = physio_in(CareTeamFactory(clinic=care_team.clinic))
    api_client.force_authenticate(colleague)
    assert api_client.get(f"/api/v1/patients/{patient_id}/").status_code == 404


def test_clinic_admin_sees_every_patient_of_the_clinic(physio_client, api_client, clinic_admin):
    patient_id = enrol(physio_client).json()["id"]
    api_client.force_authenticate(clinic_admin)
    assert api_client.get(f"/api/v1/patients/{patient_id}/").status_code == 200


def test_enrolment_code_is_single_use(physio_client, api_client):
    code = enrol(physio_client).json()["enrolment_code"]
    first = api_client.post(
        "/api/v1/auth/enrol/",
        {"enrolment_code": code, "password": STRONG_PASSWORD, "consent_version": 1},
    )
    second = api_client.post(
        "/api/v1/auth/enrol/",
        {"enrolment_code": code, "password": STRONG_PASSWORD, "consent_version": 1},
    )
    assert first.status_code == 201
    assert second.status_code == 400
    assert "enrolment_code" in second.json()["errors"]


def test_enrolment_code_expires(physio_client, api_client, settings):
    code = enrol(physio_client).json()["enrolment_code"]
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(
        hours=settings.ENROLMENT_CODE_TTL_HOURS, minutes=1
    )
    with time_machine.travel(later):
        response = api_client.post(
            "/api/v1/auth/enrol/",
            {"enrolment_code": code, "password": STRONG_PASSWORD, "consent_version": 1},
        )
    assert response.status_code == 400
    assert User.objects.get(email="maria.lopez@example.org").is_active is False


def test_weak_password_is_refused_and_code_stays_usable(physio_client, api_client):
    code = enrol(physio_client).json()["enrolment_code"]
    weak = api_client.post(
        "/api/v1/auth/enrol/", {"enrolment_code": code, "password": "12345", "consent_version": 1}
    )
    assert weak.status_code == 400
    assert "password" in weak.json()["errors"]
    assert EnrolmentCode.objects.get().used_at is None
    good = api_client.post(
        "/api/v1/auth/enrol/",
        {"enrolment_code": code, "password": STRONG_PASSWORD, "consent_version": 1},
    )
    assert good.status_code == 201


def test_code_is_stored_only_as_a_hash(physio_client):
    code = enrol(physio_client).json()["enrolment_code"]
    stored = EnrolmentCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash
    assert len(stored.code_hash) == 64


def test_reissued_code_replaces_the_old_one(physio_client, api_client):
    created = enrol(physio_client).json()
    reissued = physio_client.post(f"/api/v1/patients/{created['id']}/enrolment-code/")
    assert reissued.status_code == 201
    old = api_client.post(
        "/api/v1/auth/enrol/",
        {
            "enrolment_code": created["enrolment_code"],
            "password": STRONG_PASSWORD,
            "consent_version": 1,
        },
    )
    assert old.status_code == 400
    new = api_client.post(
        "/api/v1/auth/enrol/",
        {
            "enrolment_code": reissued.json()["enrolment_code"],
            "password": STRONG_PASSWORD,
            "consent_version": 1,
        },
    )
    assert new.status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("timezone", "Mars/Olympus_Mons"),
        ("sex", "unicorn"),
        ("date_of_birth", "2999-01-01"),
        ("date_of_birth", "yesterday"),
        ("first_name", ""),
    ],
)
def test_bad_enrolment_input_gets_field_error_and_stores_nothing(physio_client, field, value):
    response = enrol(physio_client, **{field: value})
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Patient.objects.count() == 0


def test_enrolling_an_existing_email_is_a_field_error(physio_client):
    assert enrol(physio_client).status_code == 201
    again = enrol(physio_client, email="MARIA.lopez@example.org")
    assert again.status_code == 400
    assert "email" in again.json()["errors"]
    assert Patient.objects.count() == 1


def test_patient_cannot_enrol_patients(patient_client):
    response = enrol(patient_client)
    assert response.status_code == 403
    assert Patient.objects.count() == 1  # only the fixture's own patient


def test_physio_in_two_care_teams_must_choose_one(physio_client, physio, care_team):
    other = CareTeamFactory(clinic=care_team.clinic)
    other.memberships.create(user=physio)
    ambiguous = enrol(physio_client)
    assert ambiguous.status_code == 400
    assert "care_team" in ambiguous.json()["errors"]
    chosen = enrol(physio_client, care_team=str(other.id))
    assert chosen.status_code == 201
    assert chosen.json()["care_team"] == str(other.id)


def test_token_login_with_wrong_password_is_401(api_client, patient):
    response = api_client.post(
        "/api/v1/auth/token/", {"email": patient.user.email, "password": "wrong-password"}
    )
    assert response.status_code == 401
    assert response.json()["errors"]["non_field_errors"]


def test_token_login_with_missing_fields_is_400(api_client):
    response = api_client.post("/api/v1/auth/token/", {"email": "x@example.org"})
    assert response.status_code == 400
    assert "password" in response.json()["errors"]


def test_tokens_are_per_device_and_logout_revokes_only_that_one(api_client, patient):
    from tests.accounts.factories import DEFAULT_PASSWORD

    credentials = {"email": patient.user.email, "password": DEFAULT_PASSWORD}
    phone = api_client.post("/api/v1/auth/token/", credentials).json()["token"]
    tablet = api_client.post("/api/v1/auth/token/", credentials).json()["token"]
    assert AuthToken.objects.filter(user=patient.user).count() == 2
    assert not AuthToken.objects.filter(digest=phone).exists()  # stored hashed

    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {phone}")
    assert api_client.post("/api/v1/auth/logout/").status_code == 204
    assert api_client.get("/api/v1/me/").status_code == 401

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {tablet}")
    assert api_client.get("/api/v1/me/").status_code == 200


def test_anonymous_request_is_401_with_error_shape(api_client):
    response = api_client.get("/api/v1/patients/")
    assert response.status_code == 401
    assert "non_field_errors" in response.json()["errors"]


def test_patient_updates_own_timezone(patient_client, patient):
    response = patient_client.patch("/api/v1/me/", {"timezone": "America/New_York"})
    assert response.status_code == 200
    patient.refresh_from_db()
    assert patient.timezone == "America/New_York"


def test_unknown_timezone_in_me_is_refused_and_kept(patient_client, patient):
    response = patient_client.patch("/api/v1/me/", {"timezone": "Europe/Atlantis"})
    assert response.status_code == 400
    assert "timezone" in response.json()["errors"]
    patient.refresh_from_db()
    assert patient.timezone == "Europe/London"


def test_patient_cannot_see_patients_list(patient_client):
    assert patient_client.get("/api/v1/patients/").status_code == 403
