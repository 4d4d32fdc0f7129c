"""POST/GET episodes/{id}/assessments/: per-test validation, change from the previous comparable
assessment and its MDC, idempotency, who may."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from rest_framework.test import APIClient

from apps.assessments import catalogue, services
from apps.assessments.inputs import AssessmentInputSerializer
from apps.assessments.models import Assessment, Method, Movement
from apps.episodes.models import RecordChange
from tests.accounts.factories import CareTeamFactory, ClinicAdminFactory, physio_in
from tests.course.conftest import TODAY
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def url(episode) -> str:
    return f"/api/v1/episodes/{episode.id}/assessments/"


def body(**overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "date": TODAY.isoformat(),
        "test": "timed_up_and_go",
        "value": 12.4,
        **overrides,
    }


def test_choices_match_the_catalogue():
    assert tuple(Movement.values) == catalogue.HIP_MOVEMENTS
    assert tuple(Method.values) == catalogue.ROM_METHODS


def test_tug_is_recorded_with_its_unit_and_no_previous(physio_client, episode, physio):
    response = physio_client.post(url(episode), body(aid="cane", notes="slow turn"), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["test"], data["value"], data["unit"], data["aid"]) == (
        "timed_up_and_go",
        12.4,
        "s",
        "cane",
    )
    assert data["change_from_previous"] is None
    assert data["beyond_mdc"] is None
    assert data["mdc"] == 1.1
    assert "knee osteoarthritis" in data["mdc_source"]
    assert data["recorded_by"] == str(physio.id)
    assert RecordChange.objects.get().from_date == TODAY


def test_change_from_previous_is_against_the_same_test_side_and_movement(physio_client, episode):
    day1 = (TODAY - dt.timedelta(days=35)).isoformat()
    rom = {"test": "hip_rom", "movement": "internal_rotation", "method": "goniometer"}
    for side, value in [("left", 20), ("right", 35)]:
        assert (
            physio_client.post(
                url(episode), body(date=day1, side=side, value=value, **rom), format="json"
            ).status_code
            == 201
        )
    physio_client.post(
        url(episode),
        body(date=day1, test="hip_rom", side="right", movement="flexion", value=100),
        format="json",
    )

    right = physio_client.post(url(episode), body(side="right", value=28, **rom), format="json")

    assert right.status_code == 201
    assert right.json()["change_from_previous"] == -7.0
    assert right.json()["previous_date"] == day1
    assert right.json()["worse"] is True
    assert right.json()["beyond_mdc"] is None  # hip ROM has no MDC in our sources


def test_worse_tug_beyond_its_mdc_is_flagged_in_the_answer(physio_client, episode):
    physio_client.post(url(episode), body(date="2026-11-01", value=10.0), format="json")
    small = physio_client.post(url(episode), body(date="2026-11-15", value=11.0), format="json")
    large = physio_client.post(url(episode), body(value=12.2), format="json")

    assert (small.json()["change_from_previous"], small.json()["beyond_mdc"]) == (1.0, False)
    assert (large.json()["change_from_previous"], large.json()["beyond_mdc"]) == (1.2, True)
    assert large.json()["worse"] is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"test": "hip_rom", "movement": "flexion", "value": 90}, "side"),
        ({"test": "hip_rom", "side": "left", "value": 90}, "movement"),
        ({"side": "left"}, "side"),
        ({"movement": "flexion"}, "movement"),
        ({"method": "goniometer"}, "method"),
        ({"value": 0.5}, "value"),
        ({"value": 301}, "value"),
        ({"test": "chair_stand_30s", "value": 10.5}, "value"),
        ({"test": "gait_speed", "value": 4}, "value"),
        ({"test": "walk_on_hands"}, "test"),
        ({"date": (TODAY + dt.timedelta(days=2)).isoformat()}, "date"),
        ({"date": "2026-08-31"}, "date"),
        ({"client_id": "not-a-uuid"}, "client_id"),
    ],
)
def test_invalid_input_is_a_400_under_its_field_and_stores_nothing(
    physio_client, episode, overrides, field
):
    response = physio_client.post(url(episode), body(**overrides), format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not Assessment.objects.exists()
    assert not RecordChange.objects.exists()


def test_same_client_id_returns_the_stored_assessment_with_200(physio_client, episode):
    sent = body()
    first = physio_client.post(url(episode), sent, format="json")
    again = physio_client.post(url(episode), {**sent, "value": 99}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Assessment.objects.count() == 1
    assert RecordChange.objects.count() == 1


def test_list_is_paginated_newest_first_and_filtered_by_test(physio_client, episode):
    physio_client.post(url(episode), body(date="2026-11-01"), format="json")
    physio_client.post(url(episode), body(test="chair_stand_30s", value=11), format="json")
    physio_client.post(url(episode), body(date="2026-11-20", value=11), format="json")

    everything = physio_client.get(url(episode)).json()
    tug = physio_client.get(url(episode), {"test": "timed_up_and_go"}).json()

    assert everything["count"] == 3
    assert [row["date"] for row in tug["results"]] == ["2026-11-20", "2026-11-01"]
    assert tug["results"][0]["change_from_previous"] == pytest.approx(-1.4)
    bad = physio_client.get(url(episode), {"test": "nope"})
    assert bad.status_code == 400
    assert "test" in bad.json()["errors"]


def test_patient_reads_own_assessments_but_cannot_record(patient_client, physio_client, episode):
    physio_client.post(url(episode), body(), format="json")

    assert patient_client.get(url(episode)).json()["count"] == 1
    assert patient_client.post(url(episode), body(), format="json").status_code == 403


def test_clinic_admin_reads_but_only_physiotherapists_record(care_team, episode):
    admin = APIClient()
    admin.force_authenticate(ClinicAdminFactory(clinic=care_team.clinic))
    assert admin.get(url(episode)).status_code == 200
    assert admin.post(url(episode), body(), format="json").status_code == 403


@pytest.mark.parametrize("where", ["other_clinic", "other_team"])
def test_physiotherapists_outside_the_care_team_get_404(care_team, episode, where):
    team = (
        CareTeamFactory() if where == "other_clinic" else CareTeamFactory(clinic=care_team.clinic)
    )
    outsider = APIClient()
    outsider.force_authenticate(physio_in(team))

    assert outsider.get(url(episode)).status_code == 404
    assert outsider.post(url(episode), body(), format="json").status_code == 404
    assert not Assessment.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_duplicates_store_one_row(episode, physio):
    serializer = AssessmentInputSerializer(data=body())
    assert serializer.is_valid()
    values = serializer.validated_data
    created = run_concurrently(
        lambda: services.assessment_record(episode=episode, by=physio, values=values)[1]
    )

    assert sorted(created) == [False, False, False, True]
    assert Assessment.objects.count() == 1
    assert RecordChange.objects.count() == 1
