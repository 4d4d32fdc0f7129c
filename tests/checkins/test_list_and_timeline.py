"""`GET checkins/` and `GET patients/{id}/timeline/`: who sees what, and a fixed number of
queries whatever the cohort or range."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.flags.models import Flag
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.checkins.conftest import TODAY
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def with_checkins(patient, days: int):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(100))
    for day in range(days):
        CheckInFactory(episode=episode, date=days_ago(day))
    return episode


# --- GET checkins/ ------------------------------------------------------------------------------


def test_patient_lists_only_their_own_checkins(patient, patient_client):
    with_checkins(patient, 3)
    with_checkins(PatientFactory(care_team=patient.care_team), 2)

    response = patient_client.get("/api/v1/checkins/")

    assert response.json()["count"] == 3
    assert {row["patient"] for row in response.json()["results"]} == {str(patient.id)}


def test_patient_asking_for_another_patient_gets_404(patient_client):
    other = PatientFactory()
    with_checkins(other, 1)

    assert patient_client.get(f"/api/v1/checkins/?patient={other.id}").status_code == 404


def test_care_team_filters_by_patient_and_date_range(physio_client, patient, care_team):
    with_checkins(patient, 10)
    with_checkins(PatientFactory(care_team=care_team), 4)

    response = physio_client.get(
        f"/api/v1/checkins/?patient={patient.id}&from={days_ago(5)}&to={days_ago(2)}"
    )

    assert response.status_code == 200
    assert [row["date"] for row in response.json()["results"]] == [
        str(days_ago(day)) for day in (2, 3, 4, 5)
    ]


def test_care_team_without_filter_sees_all_their_patients(physio_client, patient, care_team):
    with_checkins(patient, 2)
    with_checkins(PatientFactory(care_team=care_team), 3)
    with_checkins(PatientFactory(), 5)  # another clinic

    assert physio_client.get("/api/v1/checkins/").json()["count"] == 5


def test_physio_of_another_care_team_gets_404_for_the_patient_filter(patient):
    with_checkins(patient, 1)
    stranger = client_for(physio_in(CareTeamFactory(clinic=patient.care_team.clinic)))

    assert stranger.get(f"/api/v1/checkins/?patient={patient.id}").status_code == 404
    assert stranger.get("/api/v1/checkins/").json()["count"] == 0


@pytest.mark.parametrize(
    "query", ["from=yesterday", "to=2026-13-01", "patient=nope", "from=2026-03-09&to=2026-03-01"]
)
def test_bad_list_filters_are_a_400(patient_client, query):
    response = patient_client.get(f"/api/v1/checkins/?{query}")

    assert response.status_code == 400


def test_checkin_list_query_count_does_not_grow_with_the_cohort(
    physio_client, care_team, django_assert_num_queries
):
    for _ in range(2):
        with_checkins(PatientFactory(care_team=care_team), 2)
    with django_assert_num_queries(3) as small:
        physio_client.get("/api/v1/checkins/")
    for _ in range(10):
        with_checkins(PatientFactory(care_team=care_team), 5)
    with django_assert_num_queries(len(small.captured_queries)):
        response = physio_client.get("/api/v1/checkins/")
    assert response.json()["count"] == 54


# --- Timeline -------------------------------------------------------------------------------------


def timeline_url(patient, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"/api/v1/patients/{patient.id}/timeline/?{query}"


def full_record(patient, days: int):
    """A patient with check-ins, a plan of two items, sessions and a flag across ``days``."""
    episode = with_checkins(patient, days)
    plan = ExercisePlanFactory(episode=episode, starts_on=days_ago(days))
    items = [PlanItemFactory(plan=plan), PlanItemFactory(plan=plan)]
    for day in range(0, days, 2):
        for item in items:
            ExerciseSessionFactory(plan_item=item, date=days_ago(day))
    Flag.objects.create(
        episode=episode,
        patient=patient,
        rule="morning_stiffness",
        rule_version=1,
        severity="routine",
        opened_at=timezone.now(),
        opened_for_date=days_ago(1),
        last_seen_at=timezone.now(),
        last_held_on=days_ago(1),
        patient_message="Mention the stiffness at your next review.",
        clinician_summary="Stiffness > 30 min on 3 of 7 days.",
    )
    return episode, items


def test_timeline_has_one_entry_per_date_with_checkin_sessions_prescription_and_flags(
    physio_client, patient
):
    episode, items = full_record(patient, 7)

    response = physio_client.get(timeline_url(patient, **{"from": days_ago(3), "to": TODAY}))

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["patient"], body["from"], body["to"]) == (
        str(patient.id),
        str(days_ago(3)),
        str(TODAY),
    )
    assert [entry["date"] for entry in body["entries"]] == [str(days_ago(d)) for d in (3, 2, 1, 0)]
    yesterday = body["entries"][2]
    assert yesterday["checkin"]["date"] == str(days_ago(1))
    assert yesterday["sessions_done"] == []
    assert sorted(item["plan_item"] for item in yesterday["sessions_prescribed"]) == sorted(
        str(item.id) for item in items
    )
    assert [flag["rule"] for flag in yesterday["flags_opened"]] == ["morning_stiffness"]
    today = body["entries"][3]
    assert sorted(s["plan_item"] for s in today["sessions_done"]) == sorted(
        str(item.id) for item in items
    )
    assert today["flags_opened"] == []


def test_timeline_shows_empty_dates_too(patient_client, patient):
    EpisodeFactory(patient=patient, symptom_onset_date=days_ago(10))

    entries = patient_client.get(timeline_url(patient, **{"from": days_ago(1), "to": TODAY}))

    assert entries.json()["entries"] == [
        {
            "date": str(day),
            "checkin": None,
            "sessions_done": [],
            "sessions_prescribed": [],
            "flags_opened": [],
            "assessments": [],
            "treatments_in_force": [],
            "imaging": [],
        }
        for day in (days_ago(1), TODAY)
    ]


def test_timeline_defaults_to_the_last_30_local_days(patient_client, patient):
    with_checkins(patient, 2)

    body = patient_client.get(timeline_url(patient)).json()

    assert (body["from"], body["to"]) == (str(days_ago(29)), str(TODAY))
    assert len(body["entries"]) == 30


def test_timeline_accepts_400_days_and_refuses_401(physio_client, patient):
    with_checkins(patient, 1)

    accepted = physio_client.get(timeline_url(patient, **{"from": days_ago(399), "to": TODAY}))
    refused = physio_client.get(timeline_url(patient, **{"from": days_ago(400), "to": TODAY}))

    assert accepted.status_code == 200
    assert len(accepted.json()["entries"]) == 400
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"from": ["At most 400 days per request."]}


def test_timeline_refuses_from_after_to(physio_client, patient):
    response = physio_client.get(timeline_url(patient, **{"from": TODAY, "to": days_ago(1)}))

    assert response.status_code == 400


def test_timeline_is_404_for_another_patient_and_another_care_team(patient):
    with_checkins(patient, 1)
    other_patient = client_for(PatientFactory(care_team=patient.care_team).user)
    other_team = client_for(physio_in(CareTeamFactory(clinic=patient.care_team.clinic)))

    assert other_patient.get(timeline_url(patient)).status_code == 404
    assert other_team.get(timeline_url(patient)).status_code == 404


@pytest.mark.parametrize("days", [7, 90])
def test_timeline_uses_the_same_number_of_queries_for_7_and_90_days(
    physio_client, patient, days, django_assert_num_queries
):
    full_record(patient, 90)

    # patient + check-ins + episodes (with which kinds they have in the range) + plan items
    # in force + sessions + flags (the record has one), and the access log's INSERT; no
    # assessments, treatments or imaging, so no read of them (apps.dashboard.course_clinical)
    with django_assert_num_queries(7):
        response = physio_client.get(
            timeline_url(patient, **{"from": days_ago(days - 1), "to": TODAY})
        )
    assert len(response.json()["entries"]) == days
    assert sum(entry["checkin"] is not None for entry in response.json()["entries"]) == days
