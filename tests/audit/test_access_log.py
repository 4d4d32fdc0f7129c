from __future__ import annotations

import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from apps.audit.middleware import _patient_ids_in
from apps.audit.models import AccessLogEntry
from apps.audit.patient_data import patient_lookup_for
from apps.core import access_recorder as recorder
from tests.accounts.factories import (
    CareTeamFactory,
    PatientFactory,
    UserFactory,
    physio_in,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_patient_list_logs_one_entry_per_patient_shown_in_one_insert(
    physio, physio_client, care_team
):
    patients = PatientFactory.create_batch(3, care_team=care_team)
    with CaptureQueriesContext(connection) as queries:
        response = physio_client.get("/api/v1/patients/", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert AccessLogEntry._meta.db_table in inserts[0]
    entries = list(AccessLogEntry.objects.all())
    assert sorted(entry.patient_id for entry in entries) == sorted(p.id for p in patients)
    assert {entry.request_id for entry in entries} == {entries[0].request_id}
    entry = entries[0]
    assert entry.actor_id == physio.id
    assert entry.actor_name == physio.full_name
    assert entry.actor_role == "physiotherapist"
    assert entry.action == "read"
    assert entry.method == "GET"
    assert entry.view_name == "patient-list"
    assert entry.route == "api/v1/patients/"
    assert entry.source_ip == "203.0.113.7"
    assert entry.outcome == 200


def test_list_page_logs_only_the_patients_on_that_page(physio_client, care_team):
    PatientFactory.create_batch(5, care_team=care_team)
    physio_client.get("/api/v1/patients/?page_size=2")
    assert AccessLogEntry.objects.count() == 2


def test_patient_page_logs_that_patient(physio_client, patient):
    physio_client.get(f"/api/v1/patients/{patient.id}/")
    entry = AccessLogEntry.objects.get()
    assert (entry.patient_id, entry.view_name, entry.outcome) == (
        patient.id,
        "patient-detail",
        200,
    )
    assert entry.route == "api/v1/patients/<uuid:patient_id>/"


def test_clinic_admin_write_is_logged_as_a_write(clinic_admin, care_team):
    waiting = PatientFactory(care_team=care_team, user__is_active=False)
    response = client_for(clinic_admin).post(f"/api/v1/patients/{waiting.id}/enrolment-code/")
    assert response.status_code == 201
    entry = AccessLogEntry.objects.get()
    assert (entry.action, entry.actor_role, entry.patient_id) == (
        "write",
        "clinic_admin",
        waiting.id,
    )


def test_denied_attempt_on_another_clinics_patient_is_logged_with_its_outcome(patient):
    stranger = physio_in(CareTeamFactory())
    response = client_for(stranger).get(f"/api/v1/patients/{patient.id}/")
    assert response.status_code == 404
    entry = AccessLogEntry.objects.get()
    assert (entry.actor_id, entry.patient_id, entry.outcome) == (stranger.id, patient.id, 404)


def test_patients_own_requests_are_not_logged(patient_client):
    assert patient_client.get("/api/v1/me/").status_code == 200
    assert patient_client.get("/api/v1/me/access-log/").status_code == 200
    assert AccessLogEntry.objects.count() == 0


def test_staff_request_touching_no_patient_writes_nothing(physio_client):
    assert physio_client.get("/api/v1/me/").status_code == 200
    assert AccessLogEntry.objects.count() == 0


def test_patient_sees_who_viewed_their_record_newest_first(
    patient, patient_client, physio, clinic_admin
):
    client_for(physio).get(f"/api/v1/patients/{patient.id}/")
    client_for(clinic_admin).get(f"/api/v1/patients/{patient.id}/")
    other = PatientFactory(care_team=patient.care_team)
    client_for(physio).get(f"/api/v1/patients/{other.id}/")

    body = patient_client.get("/api/v1/me/access-log/").json()

    assert body["count"] == 2
    assert [
        (row["staff_name"], row["staff_role"], row["action"], row["what"])
        for row in body["results"]
    ] == [
        (clinic_admin.full_name, "clinic_admin", "read", "patient-detail"),
        (physio.full_name, "physiotherapist", "read", "patient-detail"),
    ]


def test_patient_access_log_hides_denied_attempts(patient, patient_client):
    client_for(physio_in(CareTeamFactory())).get(f"/api/v1/patients/{patient.id}/")
    assert AccessLogEntry.objects.count() == 1
    assert patient_client.get("/api/v1/me/access-log/").json()["count"] == 0


def test_staff_have_no_access_log_of_their_own(physio_client):
    assert physio_client.get("/api/v1/me/access-log/").status_code == 403


def test_patient_ids_are_found_in_serialized_bodies():
    first, second = uuid.uuid4(), uuid.uuid4()
    body = {"count": 2, "results": [{"id": "x", "patient": str(first)}, {"patient_id": second}]}
    assert list(_patient_ids_in(body)) == [str(first), str(second)]
    assert list(_patient_ids_in({"patient": {"id": str(first), "name": "n"}})) == [str(first)]


def test_recording_outside_a_request_is_a_no_op():
    recorder.record_patient_access([uuid.uuid4()])
    assert recorder.current() is None


def test_models_reach_their_patient_through_foreign_keys():
    from apps.accounts.models import EnrolmentCode, Patient, User

    assert patient_lookup_for(Patient) == "pk"
    assert patient_lookup_for(User) == "patient__id"
    assert patient_lookup_for(EnrolmentCode) == "patient_id"


class TestAdmin:
    @pytest.fixture
    def superuser_client(self, client):
        admin_user = UserFactory(
            role="clinic_admin", is_staff=True, is_superuser=True, first_name="Ada"
        )
        client.force_login(admin_user)
        return client

    def test_admin_patient_page_is_logged(self, superuser_client, patient):
        response = superuser_client.get(f"/admin/accounts/patient/{patient.id}/change/")
        assert response.status_code == 200
        entry = AccessLogEntry.objects.get()
        assert (entry.patient_id, entry.actor_role, entry.view_name) == (
            patient.id,
            "superuser",
            "admin:accounts_patient_change",
        )

    def test_admin_list_page_logs_each_patient_shown(self, superuser_client, care_team):
        patients = PatientFactory.create_batch(3, care_team=care_team)
        assert superuser_client.get("/admin/accounts/patient/").status_code == 200
        assert sorted(AccessLogEntry.objects.values_list("patient_id", flat=True)) == sorted(
            p.id for p in patients
        )

    def test_access_log_is_readable_but_not_editable_in_the_admin(
        self, superuser_client, patient, physio
    ):
        client_for(physio).get(f"/api/v1/patients/{patient.id}/")
        entry = AccessLogEntry.objects.get()
        assert superuser_client.get("/admin/audit/accesslogentry/").status_code == 200
        page = superuser_client.get(f"/admin/audit/accesslogentry/{entry.id}/change/")
        assert page.status_code == 200
        assert b'name="_save"' not in page.content
        assert superuser_client.get("/admin/audit/accesslogentry/add/").status_code == 403
        deleted = superuser_client.post(
            f"/admin/audit/accesslogentry/{entry.id}/delete/", {"post": "yes"}
        )
        assert deleted.status_code == 403
        assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_accesslogentry SET outcome = 200",
        "DELETE FROM audit_accesslogentry",
    ],
)
def test_database_refuses_to_rewrite_the_access_log(statement, physio_client, patient):
    physio_client.get(f"/api/v1/patients/{patient.id}/")
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessLogEntry.objects.count() == 1


def test_dashboard_patient_page_is_logged(client, physio, patient):
    client.force_login(physio, backend="django.contrib.auth.backends.ModelBackend")
    response = client.get(f"/dashboard/patients/{patient.id}/")
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(patient_id=patient.id)
    assert (entry.actor_id, entry.action, entry.view_name) == (
        physio.id,
        "read",
        "dashboard:patient",
    )


def test_list_of_other_records_logs_the_patients_named_in_the_response(physio_client, patient):
    from tests.checkins.factories import CheckInFactory
    from tests.episodes.factories import EpisodeFactory

    CheckInFactory(episode=EpisodeFactory(patient=patient))
    response = physio_client.get("/api/v1/checkins/")
    assert response.status_code == 200
    assert list(AccessLogEntry.objects.values_list("patient_id", "view_name")) == [
        (patient.id, "checkin-list")
    ]
