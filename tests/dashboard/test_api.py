"""`GET /api/v1/dashboard/patients/` (API.md: Dashboard)."""

from __future__ import annotations

import pytest
from rest_framework import serializers
from rest_framework.test import APIClient

from apps.dashboard.api.serializers import PatientSummarySerializer, SummarySerializer
from apps.dashboard.row_scores import with_latest_scores
from apps.dashboard.selectors import patient_summaries
from tests.accounts.factories import CareTeamFactory, PatientFactory
from tests.dashboard.conftest import NOW, TODAY, days_ago, patient_with_course
from tests.outcomes.factories import psfs_answers, stored_response

pytestmark = pytest.mark.django_db

URL = "/api/v1/dashboard/patients/"


def test_rows_carry_every_summary_column(physio_client, care_team, frozen_now):
    patient = patient_with_course(
        care_team,
        pain_last_7=[3, 4, 5, 6, None, 2, 3],
        pain_previous_7=[5] * 7,
        sessions_last_7=4,
        flags=("urgent", "soon", "soon"),
    )

    body = physio_client.get(URL).json()

    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": str(patient.pk),
            "first_name": patient.user.first_name,
            "last_name": patient.user.last_name,
            "episode": str(patient.episodes.get().pk),
            "date_of_birth": patient.date_of_birth.isoformat(),
            "episode_status": "active",
            "affected_side": patient.episodes.get().affected_side,
            "weeks_since_onset": 9,
            "last_checkin_date": TODAY.isoformat(),
            "pain_now_latest": 3,
            "pain_7d_mean": 3.8,
            "pain_7d_change": -1.2,
            "adherence_7d": 0.57,
            "open_flags": {
                "emergency": 0,
                "urgent": 1,
                "soon": 2,
                "routine": 0,
                "info": 0,
                "total": 3,
            },
            "days_since_last_checkin": 0,
            "latest_scores": [],
        }
    ]


def test_ordering_and_filters_come_from_the_query(physio_client, care_team, frozen_now):
    patient_with_course(care_team, pain_last_7=[2], user__last_name="Low")
    patient_with_course(care_team, pain_last_7=[7], flags=("urgent",), user__last_name="High")
    patient_with_course(care_team, pain_last_7=[5], user__last_name="Middlethwaite")

    by_pain = physio_client.get(URL, {"ordering": "-pain_7d_mean"}).json()["results"]
    urgent = physio_client.get(URL, {"has_urgent_flags": "true"}).json()["results"]
    not_urgent = physio_client.get(URL, {"has_urgent_flags": "false", "ordering": "name"})
    found = physio_client.get(URL, {"search": "middlethw"}).json()["results"]

    assert [row["last_name"] for row in by_pain] == ["High", "Middlethwaite", "Low"]
    assert [row["last_name"] for row in urgent] == ["High"]
    assert [row["last_name"] for row in not_urgent.json()["results"]] == ["Low", "Middlethwaite"]
    assert [row["last_name"] for row in found] == ["Middlethwaite"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"ordering": "password"}, "ordering"),
        ({"adherence_below": "1.5"}, "adherence_below"),
        ({"silent_days_min": "-1"}, "silent_days_min"),
        ({"has_urgent_flags": "maybe"}, "has_urgent_flags"),
    ],
)
def test_bad_query_parameters_are_400_with_field_errors(physio_client, params, field):
    response = physio_client.get(URL, params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_only_the_callers_patients_are_listed(physio_client, care_team, frozen_now):
    patient_with_course(care_team, user__last_name="Mine")
    patient_with_course(CareTeamFactory(), user__last_name="Theirs")

    body = physio_client.get(URL).json()

    assert [row["last_name"] for row in body["results"]] == ["Mine"]


def test_patients_may_not_list_and_anonymous_callers_must_authenticate(patient_client):
    assert patient_client.get(URL).status_code == 403
    assert APIClient().get(URL).status_code == 401


def test_the_list_is_paginated(physio_client, care_team, frozen_now):
    for _ in range(3):
        patient_with_course(care_team)

    body = physio_client.get(URL, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 1


def test_five_and_fifty_patients_take_the_same_queries(
    physio_client, care_team, frozen_now, django_assert_num_queries
):
    for _ in range(5):
        with_scores(
            patient_with_course(care_team, pain_last_7=[3, 4], sessions_last_7=2, flags=("soon",))
        )
    # time zones with the count, the page's rows (with their current episodes and open-flag
    # counts), the 2 adherence reads (no maintained summary here), one INSERT of the access
    # log (apps.audit), and the latest scores (apps.dashboard.row_scores)
    with django_assert_num_queries(6) as small:
        assert physio_client.get(URL, {"ordering": "-pain_7d_change"}).json()["count"] == 5
    for _ in range(45):
        with_scores(
            patient_with_course(care_team, pain_last_7=[5, 1], sessions_last_7=1, flags=("urgent",))
        )
    with django_assert_num_queries(len(small.captured_queries)):
        body = physio_client.get(URL, {"ordering": "-pain_7d_change"}).json()
    assert body["count"] == 50
    assert len(body["results"]) == 50
    assert all(len(row["latest_scores"]) == 1 for row in body["results"])


def with_scores(patient, ratings=((5, 6, 7), (2, 3, 3))):
    """PSFS answered two weeks apart in the patient's episode (default: worse by more than
    the MCID)."""
    episode = patient.episodes.get()
    for index, answers in enumerate(ratings):
        stored_response(
            episode=episode,
            day=days_ago(14 * (len(ratings) - 1 - index)),
            answers=psfs_answers(*answers),
        )
    return patient


def test_rows_carry_the_latest_scores(physio_client, care_team, frozen_now):
    patient = with_scores(patient_with_course(care_team, pain_last_7=[3]))
    patient_with_course(care_team, pain_last_7=[4])  # none answered

    rows = {row["id"]: row for row in physio_client.get(URL).json()["results"]}

    [psfs] = rows[str(patient.pk)]["latest_scores"]
    assert psfs == {
        "instrument": "psfs",
        "score": "psfs_mean",
        "value": pytest.approx(8 / 3, abs=1e-3),
        "date": TODAY.isoformat(),
        "change_from_baseline": pytest.approx(8 / 3 - 6, abs=1e-3),
        "meaningful": "worse",
    }
    assert [row["latest_scores"] for key, row in rows.items() if key != str(patient.pk)] == [[]]


def test_the_schema_describes_the_latest_scores(physio_client):
    schema = physio_client.get("/api/v1/schema/", {"format": "json"}).json()
    row = schema["components"]["schemas"]["PatientSummary"]["properties"]["latest_scores"]
    assert row["type"] == "array"
    assert row["items"]["$ref"].endswith("/DashboardLatestScore")
    latest = schema["components"]["schemas"]["DashboardLatestScore"]["properties"]
    assert set(latest) == {
        "instrument",
        "score",
        "value",
        "date",
        "change_from_baseline",
        "meaningful",
    }
    assert all(field.get("description") for field in latest.values())
    assert "latest_scores" not in schema["components"]["schemas"]["Summary"]["properties"]


def test_the_schema_documents_the_endpoint_and_its_parameters(physio_client):
    schema = physio_client.get("/api/v1/schema/", {"format": "json"}).json()

    operation = schema["paths"]["/api/v1/dashboard/patients/"]["get"]
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert parameters >= {
        "ordering",
        "has_urgent_flags",
        "adherence_below",
        "silent_days_min",
        "search",
        "page",
        "page_size",
    }


@pytest.mark.parametrize("serializer_class", [PatientSummarySerializer, SummarySerializer])
def test_rows_render_exactly_as_drfs_generic_serializer_would(physio, care_team, serializer_class):
    patient_with_course(
        care_team, pain_last_7=[3, 4, 6], pain_previous_7=[5], sessions_last_7=3, flags=("soon",)
    )
    patient_with_course(care_team, pain_previous_7=[2], flags=("urgent", "urgent", "info"))
    PatientFactory(care_team=care_team)  # no episode, no check-in: the empty values
    with_scores(patient_with_course(care_team, pain_last_7=[2]))
    serializer = serializer_class()

    rows = with_latest_scores(patient_summaries(user=physio, now=NOW)[:])

    assert len(rows) == 4
    for row in rows:
        generic = serializers.Serializer.to_representation(serializer, row)
        assert serializer.to_representation(row) == generic
        assert list(serializer.to_representation(row)) == list(generic)
