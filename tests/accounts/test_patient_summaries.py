"""`GET patients/` and `GET patients/{id}/` carry the dashboard's summary (API.md: Enrolment),
computed by the dashboard's selector: the same numbers as `GET dashboard/patients/`."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from apps.audit.models import AccessLogEntry
from tests.accounts.factories import CareTeamFactory, PatientFactory
from tests.dashboard.conftest import NOW, TODAY, patient_with_course

pytestmark = pytest.mark.django_db

IDENTITY = ("id", "first_name", "last_name", "date_of_birth")
#: The dashboard row's own field, not part of the nested summary (apps.dashboard.row_scores).
ROW_ONLY = ("latest_scores",)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _cohort(care_team) -> list:
    return [
        patient_with_course(
            care_team,
            pain_last_7=[3, 4, 5, 6, None, 2, 3],
            pain_previous_7=[5] * 7,
            sessions_last_7=4,
            flags=("urgent", "soon", "soon"),
            user__last_name="Adams",
        ),
        patient_with_course(care_team, pain_last_7=[None, None, None, 7], user__last_name="Baker"),
        patient_with_course(
            care_team, sessions_last_7=0, flags=("emergency",), user__last_name="Clark"
        ),
        PatientFactory(care_team=care_team, user__last_name="Davis"),  # no episode at all
    ]


def test_list_and_detail_carry_the_summary_with_exact_values(physio_client, care_team):
    patient = patient_with_course(
        care_team,
        pain_last_7=[3, 4, 5, 6, None, 2, 3],
        pain_previous_7=[5] * 7,
        sessions_last_7=4,
        flags=("urgent", "soon", "soon"),
    )
    expected = {
        "episode": str(patient.episodes.get().pk),
        "episode_status": "active",
        "affected_side": patient.episodes.get().affected_side,
        "weeks_since_onset": 9,
        "last_checkin_date": TODAY.isoformat(),
        "pain_now_latest": 3,
        "pain_7d_mean": 3.8,
        "pain_7d_change": -1.2,
        "adherence_7d": 0.57,
        "open_flags": {"emergency": 0, "urgent": 1, "soon": 2, "routine": 0, "info": 0, "total": 3},
        "days_since_last_checkin": 0,
    }

    listed = physio_client.get("/api/v1/patients/").json()["results"]
    detail = physio_client.get(f"/api/v1/patients/{patient.pk}/").json()

    assert [row["summary"] for row in listed] == [expected]
    assert detail["summary"] == expected
    assert detail["email"] == patient.user.email
    assert detail["care_team"] == str(care_team.pk)


def test_summaries_equal_those_of_the_dashboard(physio_client, care_team):
    _cohort(care_team)

    dashboard = physio_client.get("/api/v1/dashboard/patients/", {"ordering": "name"}).json()
    listed = physio_client.get("/api/v1/patients/").json()
    details = [
        physio_client.get(f"/api/v1/patients/{row['id']}/").json() for row in listed["results"]
    ]

    expected = [
        {key: value for key, value in row.items() if key not in (*IDENTITY, *ROW_ONLY)}
        for row in dashboard["results"]
    ]
    assert [row["last_name"] for row in listed["results"]] == ["Adams", "Baker", "Clark", "Davis"]
    assert [row["id"] for row in listed["results"]] == [row["id"] for row in dashboard["results"]]
    assert [row["summary"] for row in listed["results"]] == expected
    assert [row["summary"] for row in details] == expected
    # The rows differ, so the comparison above compares something.
    assert len({str(summary) for summary in expected}) == 4


def test_list_takes_the_same_queries_for_5_and_50_patients(
    physio_client, care_team, django_assert_num_queries
):
    def build(count: int) -> None:
        for _ in range(count):
            patient_with_course(
                care_team,
                pain_last_7=[3, 5],
                pain_previous_7=[4],
                sessions_last_7=2,
                flags=("urgent", "soon"),
            )

    build(5)
    # SQLite answers whether it has JSON once per connection, with a query of its own.
    assert connection.features.supports_json_field
    # time zones with the count, the page's rows (with their current episodes and open-flag
    # counts), 2 adherence reads, one INSERT of the access log
    with django_assert_num_queries(5) as small:
        assert physio_client.get("/api/v1/patients/").json()["count"] == 5
    build(45)
    with django_assert_num_queries(len(small.captured_queries)):
        body = physio_client.get("/api/v1/patients/").json()
    assert body["count"] == 50
    assert len(body["results"]) == 50
    assert all(row["summary"]["open_flags"]["total"] == 2 for row in body["results"])


def test_list_shows_only_the_callers_patients_and_logs_them(physio_client, care_team):
    mine = PatientFactory(care_team=care_team)
    PatientFactory(care_team=CareTeamFactory(clinic=care_team.clinic))

    body = physio_client.get("/api/v1/patients/").json()

    assert [row["id"] for row in body["results"]] == [str(mine.pk)]
    assert list(AccessLogEntry.objects.values_list("patient_id", "view_name")) == [
        (mine.pk, "patient-list")
    ]


def test_dashboard_list_writes_the_access_log_for_the_patients_shown(physio_client, care_team):
    shown = [PatientFactory(care_team=care_team) for _ in range(3)]

    physio_client.get("/api/v1/dashboard/patients/", {"page_size": 2, "ordering": "name"})

    logged = set(AccessLogEntry.objects.values_list("patient_id", flat=True))
    first_two = sorted(shown, key=lambda p: (p.user.last_name, p.user.first_name, p.pk))[:2]
    assert logged == {patient.pk for patient in first_two}


def test_enrolment_response_has_no_summary(physio_client):
    response = physio_client.post(
        "/api/v1/patients/",
        {
            "email": "new@example.org",
            "first_name": "New",
            "last_name": "Patient",
            "date_of_birth": "1980-01-01",
            "sex": "female",
            "timezone": "Europe/London",
        },
        format="json",
    )

    assert response.status_code == 201
    assert "summary" not in response.json()
    assert "enrolment_code" in response.json()
