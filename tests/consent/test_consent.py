from __future__ import annotations

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps as django_apps
from django.db import IntegrityError, transaction
from rest_framework.test import APIClient

from apps.accounts.models import EnrolmentCode, User
from apps.consent.models import ConsentAcceptance, ConsentDocument
from apps.consent.selectors import (
    consent_withdrawn,
    has_active_consent,
    patients_with_withdrawn_consent,
)
from tests.accounts.factories import PatientFactory
from tests.consent.factories import accepted, published_consent, withdrawn

pytestmark = pytest.mark.django_db

NEW_PATIENT = {
    "email": "ines.ferreira@example.org",
    "first_name": "Ines",
    "last_name": "Ferreira",
    "date_of_birth": "1993-07-14",
    "sex": "female",
    "timezone": "Europe/Lisbon",
}
PASSWORD = "hip-recovery-2026!"


@pytest.fixture
def enrolment_code(physio_client) -> str:
    response = physio_client.post("/api/v1/patients/", NEW_PATIENT, format="json")
    assert response.status_code == 201
    return response.json()["enrolment_code"]


def enrol(code: str, **extra):
    return APIClient().post(
        "/api/v1/auth/enrol/", {"enrolment_code": code, "password": PASSWORD, **extra}
    )


def test_migration_publishes_version_1_once():
    migration = importlib.import_module("apps.consent.migrations.0002_publish_version_1")
    ConsentDocument.objects.all().delete()
    migration.publish(django_apps, None)
    migration.publish(django_apps, None)
    document = ConsentDocument.objects.get()
    assert document.version == 1
    assert "withdraw this" in document.text


def test_anyone_can_read_the_current_document_before_enrolling():
    published_consent(1)
    published_consent(2)
    body = APIClient().get("/api/v1/consent/current/").json()
    assert body["version"] == 2


def test_enrolment_with_the_current_version_records_the_acceptance(enrolment_code):
    published_consent(1)
    response = enrol(enrolment_code, consent_version=1)
    assert response.status_code == 201
    acceptance = ConsentAcceptance.objects.get()
    assert acceptance.document.version == 1
    assert acceptance.patient.user.email == "ines.ferreira@example.org"
    assert acceptance.withdrawn_at is None
    assert acceptance.accepted_at is not None


def test_enrolment_without_consent_is_refused_and_nothing_changes(enrolment_code):
    published_consent(1)
    response = enrol(enrolment_code)
    assert response.status_code == 400
    assert response.json()["code"] == "consent_required"
    assert "consent_version" in response.json()["errors"]
    assert User.objects.get(email="ines.ferreira@example.org").is_active is False
    assert EnrolmentCode.objects.get().used_at is None
    assert ConsentAcceptance.objects.count() == 0


def test_enrolment_with_an_outdated_version_is_refused(enrolment_code):
    published_consent(1)
    published_consent(2)
    response = enrol(enrolment_code, consent_version=1)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["consent_version"]
    assert ConsentAcceptance.objects.count() == 0


def test_enrolment_before_any_document_is_published_needs_no_consent(enrolment_code):
    ConsentDocument.objects.all().delete()
    assert enrol(enrolment_code).status_code == 201
    assert ConsentAcceptance.objects.count() == 0


def test_patient_sees_the_document_and_their_acceptance(patient, patient_client):
    accepted(patient)
    body = patient_client.get("/api/v1/me/consent/").json()
    assert body["state"] == "accepted"
    assert body["accepted_version"] == 1
    assert body["current_document"]["version"] == 1
    assert body["needs_acceptance"] is False
    assert body["withdrawn_at"] is None


def test_withdrawing_is_one_post_and_is_shown(patient, patient_client):
    accepted(patient)
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, tzinfo=dt.UTC), tick=False):
        response = patient_client.post("/api/v1/me/consent/", {"action": "withdraw"})
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"
    assert response.json()["withdrawn_at"] == "2026-12-01T09:00:00Z"
    assert response.json()["needs_acceptance"] is True
    assert consent_withdrawn(patient) is True
    assert has_active_consent(patient) is False


def test_withdrawing_twice_changes_nothing(patient, patient_client):
    accepted(patient)
    patient_client.post("/api/v1/me/consent/", {"action": "withdraw"})
    first = ConsentAcceptance.objects.get().withdrawn_at
    assert patient_client.post("/api/v1/me/consent/", {"action": "withdraw"}).status_code == 200
    assert ConsentAcceptance.objects.get().withdrawn_at == first


def test_patient_with_no_consent_on_record_can_still_refuse(patient, patient_client):
    published_consent(1)
    response = patient_client.post("/api/v1/me/consent/", {"action": "withdraw"})
    assert response.json()["state"] == "withdrawn"
    assert consent_withdrawn(patient) is True


def test_giving_consent_again_resumes_collection(patient, patient_client):
    withdrawn(patient)
    response = patient_client.post("/api/v1/me/consent/", {"action": "accept", "version": 1})
    assert response.json()["state"] == "accepted"
    assert consent_withdrawn(patient) is False
    assert ConsentAcceptance.objects.filter(patient=patient).count() == 2


def test_accepting_a_new_version_replaces_the_old_acceptance(patient, patient_client):
    accepted(patient, 1)
    published_consent(2)
    assert patient_client.get("/api/v1/me/consent/").json()["needs_acceptance"] is True
    patient_client.post("/api/v1/me/consent/", {"action": "accept", "version": 2})
    active = ConsentAcceptance.objects.get(patient=patient, withdrawn_at__isnull=True)
    assert active.document.version == 2
    assert consent_withdrawn(patient) is False


def test_accepting_a_version_that_is_not_current_is_refused(patient, patient_client):
    published_consent(1)
    published_consent(2)
    response = patient_client.post("/api/v1/me/consent/", {"action": "accept", "version": 1})
    assert response.status_code == 400
    assert response.json()["code"] == "consent_version_outdated"
    assert ConsentAcceptance.objects.count() == 0


def test_unknown_action_is_a_field_error(patient_client):
    response = patient_client.post("/api/v1/me/consent/", {"action": "maybe"})
    assert response.status_code == 400
    assert "action" in response.json()["errors"]


def test_staff_have_no_consent_of_their_own(physio_client):
    assert physio_client.get("/api/v1/me/consent/").status_code == 403


def test_database_allows_one_active_consent_per_patient(patient):
    accepted(patient)
    with pytest.raises(IntegrityError), transaction.atomic():
        accepted(patient)


def test_withdrawn_patients_are_listed_for_bulk_exclusion(care_team):
    gone, stays, never = PatientFactory.create_batch(3, care_team=care_team)
    withdrawn(gone)
    accepted(stays)
    assert list(patients_with_withdrawn_consent()) == [gone]


def test_the_bulk_list_follows_the_latest_decision_as_the_single_check_does(care_team):
    back, later_withdrawal, gone = PatientFactory.create_batch(3, care_team=care_team)
    withdrawn(back)
    again = accepted(back, version=2)  # withdrew, then accepted a new version
    ConsentAcceptance.objects.filter(pk=again.pk).update(
        created_at=dt.datetime(2026, 11, 4, tzinfo=dt.UTC)
    )
    accepted(later_withdrawal)  # still active, but a later decision (e.g. from the admin)
    ConsentAcceptance.objects.create(  # ... records a withdrawal
        patient=later_withdrawal,
        document=published_consent(2),
        accepted_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
        created_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
        withdrawn_at=dt.datetime(2026, 11, 5, tzinfo=dt.UTC),
    )
    withdrawn(gone)

    listed = set(patients_with_withdrawn_consent())

    assert listed == {later_withdrawal, gone}
    assert {p for p in (back, later_withdrawal, gone) if consent_withdrawn(p)} == listed


class TestGate:
    """Withdrawn consent stops new data collection, and says so."""

    def test_patient_write_after_withdrawal_is_refused_with_the_reason(
        self, patient, patient_client
    ):
        withdrawn(patient)
        response = patient_client.post("/api/v1/checkins/", {}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "consent_withdrawn"
        assert "withdrawn your consent" in response.json()["errors"]["non_field_errors"][0]

    @pytest.mark.parametrize(
        "path", ["/api/v1/sync/", "/api/v1/me/episodes/", "/api/v1/exercise-sessions/"]
    )
    def test_every_collecting_write_is_refused(self, path, patient, patient_client):
        withdrawn(patient)
        response = patient_client.post(path, {}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")

    def test_token_authenticated_writes_are_refused_too(self, patient):
        withdrawn(patient)
        login = APIClient().post(
            "/api/v1/auth/token/",
            {"email": patient.user.email, "password": "correct-horse-battery-staple"},
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['token']}")
        response = client.post("/api/v1/checkins/", {}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")

    def test_writes_pass_the_gate_while_consent_holds(self, patient, patient_client):
        accepted(patient)
        # The view itself answers (400: empty body), the gate let it through.
        assert patient_client.post("/api/v1/checkins/", {}, format="json").status_code == 400

    def test_reads_profile_and_consent_stay_open_after_withdrawal(self, patient, patient_client):
        withdrawn(patient)
        assert patient_client.get("/api/v1/checkins/").status_code == 200
        assert patient_client.patch("/api/v1/me/", {"first_name": "Al"}).status_code == 200
        again = patient_client.post("/api/v1/me/consent/", {"action": "accept", "version": 1})
        assert again.status_code == 200

    def test_staff_write_naming_a_withdrawn_patient_is_refused(self, patient, physio_client):
        withdrawn(patient)
        response = physio_client.post(f"/api/v1/patients/{patient.id}/episodes/", {}, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")

    def test_staff_who_cannot_see_the_patient_learn_nothing_about_consent(self, patient):
        from tests.accounts.factories import CareTeamFactory, physio_in

        withdrawn(patient)
        client = APIClient()
        client.force_authenticate(physio_in(CareTeamFactory()))
        response = client.post(f"/api/v1/patients/{patient.id}/episodes/", {}, format="json")
        assert response.status_code == 404


def test_withdrawn_consent_stops_reminders(patient, patient_client):
    from apps.reminders.selectors import patient_may_be_reminded
    from tests.reminders.factories import ReminderSettingsFactory

    user = patient.user
    user.is_active = True
    user.save()
    patient.activated_at = dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    patient.save()
    accepted(patient)
    ReminderSettingsFactory(patient=patient)
    assert patient_may_be_reminded(patient) is True
    patient_client.post("/api/v1/me/consent/", {"action": "withdraw"})
    assert patient_may_be_reminded(patient) is False


def test_the_current_document_reads_in_the_callers_language():
    from apps.consent.models import ConsentTranslation

    document = published_consent(1)
    ConsentTranslation.objects.create(
        document=document, language="es", title="Consentimiento", text="Texto en español."
    )
    spanish = APIClient().get("/api/v1/consent/current/", HTTP_ACCEPT_LANGUAGE="es-ES").json()
    english = APIClient().get("/api/v1/consent/current/").json()
    assert (spanish["version"], spanish["title"], spanish["language"]) == (
        1,
        "Consentimiento",
        "es",
    )
    assert spanish["text"] == "Texto en español."
    assert (english["version"], english["title"], english["language"]) == (
        1,
        document.title,
        "en-gb",
    )
