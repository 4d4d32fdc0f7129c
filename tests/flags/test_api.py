"""GET flags/, GET flags/{id}/, POST acknowledge/resolve (API.md: Flags)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.flags.services import episode_evaluate
from tests.accounts.factories import PatientFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY
from tests.flags.factories import FlagFactory, quiet_checkin

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(episode):
    quiet_checkin(episode, TODAY, morning_stiffness_minutes=45)
    for offset in (1, 2):
        quiet_checkin(episode, TODAY.replace(day=TODAY.day - offset), morning_stiffness_minutes=31)
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    return episode.flags.get()


def test_a_physiotherapist_sees_which_dates_and_values_met_which_threshold(physio_client, flag):
    response = physio_client.get("/api/v1/flags/")

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert (item["rule"], item["severity"], item["status"]) == (
        "morning_stiffness",
        "routine",
        "open",
    )
    assert item["clinician_summary"] == (
        "morning stiffness over 30 minutes on 3 of the last 7 days (≥ 3; 3 days with a check-in)"
    )
    assert item["evidence"]["met_dates"] == ["2026-03-08", "2026-03-09", "2026-03-10"]
    assert item["evidence"]["values"] == {"2026-03-08": 31, "2026-03-09": 31, "2026-03-10": 45}
    assert item["evidence"]["thresholds"] == {
        "morning_stiffness_days": 3,
        "window_days": 7,
        "morning_stiffness_minutes_over": 30,
    }
    assert item["held_dates"] == ["2026-03-10"]


def test_a_patient_sees_their_flag_with_the_patient_message_only(patient_client, flag):
    response = patient_client.get("/api/v1/flags/")

    [item] = response.json()["results"]
    assert item["audience"] == "patient"
    assert set(item) == {
        "id",
        "audience",
        "patient",
        "episode",
        "rule",
        "severity",
        "status",
        "opened_at",
        "last_seen_at",
        "patient_message",
    }
    assert patient_client.get(f"/api/v1/flags/{flag.id}/").json()["patient_message"] == (
        flag.patient_message
    )


def test_staff_outside_the_care_team_get_404_for_a_flag(flag):
    outsider = APIClient()
    outsider.force_authenticate(physio_in(PatientFactory().care_team))

    assert outsider.get(f"/api/v1/flags/{flag.id}/").status_code == 404
    assert outsider.post(f"/api/v1/flags/{flag.id}/acknowledge/", {}).status_code == 404
    assert outsider.get("/api/v1/flags/").json()["results"] == []


def test_a_patient_may_not_acknowledge_their_own_flag(patient_client, flag):
    response = patient_client.post(f"/api/v1/flags/{flag.id}/acknowledge/", {})

    assert response.status_code == 403
    flag.refresh_from_db()
    assert flag.status == "open"


def test_acknowledge_then_resolve_with_notes(physio_client, physio, flag):
    acknowledged = physio_client.post(
        f"/api/v1/flags/{flag.id}/acknowledge/", {"note": "Calling her today"}
    )
    resolved = physio_client.post(f"/api/v1/flags/{flag.id}/resolve/", {"note": "Seen"})

    assert acknowledged.status_code == 200
    assert acknowledged.json()["status"] == "acknowledged"
    assert acknowledged.json()["acknowledged_by"] == str(physio.id)
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["note"]) == ("resolved", "Seen")


def test_acknowledging_a_resolved_flag_is_a_conflict(physio_client, flag):
    physio_client.post(f"/api/v1/flags/{flag.id}/resolve/", {})

    response = physio_client.post(f"/api/v1/flags/{flag.id}/acknowledge/", {})

    assert response.status_code == 409
    assert response.json()["errors"] == {
        "non_field_errors": ["This flag is resolved; it cannot be acknowledged."]
    }


def test_a_too_long_note_is_a_field_error(physio_client, flag):
    response = physio_client.post(f"/api/v1/flags/{flag.id}/resolve/", {"note": "x" * 2001})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["note"]


def test_filters_by_status_severity_and_patient(physio_client, episode, flag, care_team):
    other_episode = EpisodeFactory(patient=PatientFactory(care_team=care_team))
    FlagFactory(episode=other_episode, rule="fall_or_injury", severity="emergency")

    by_severity = physio_client.get("/api/v1/flags/?severity=emergency").json()["results"]
    by_patient = physio_client.get(f"/api/v1/flags/?patient={episode.patient_id}").json()
    by_status = physio_client.get("/api/v1/flags/?status=resolved").json()["results"]

    assert [item["rule"] for item in by_severity] == ["fall_or_injury"]
    assert [item["id"] for item in by_patient["results"]] == [str(flag.id)]
    assert by_status == []
    assert physio_client.get("/api/v1/flags/?severity=bad").status_code == 400


def test_the_list_costs_the_same_queries_for_many_flags(
    physio_client, care_team, clock, django_assert_max_num_queries
):
    for _ in range(15):
        episode = EpisodeFactory(patient=PatientFactory(care_team=care_team))
        FlagFactory(episode=episode)
        FlagFactory(episode=episode, rule="fall_or_injury", severity="emergency")

    with django_assert_max_num_queries(4):
        response = physio_client.get("/api/v1/flags/?page_size=100")

    assert len(response.json()["results"]) == 30
