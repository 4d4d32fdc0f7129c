"""Episodes: opening (care team or patient), one active at a time, corrections, resolving
and reopening, weeks since onset, open flags, and who may see which."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest import mock

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.episodes.models import Episode, EpisodeStatus
from apps.flags.models import Flag
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.checkins.factories import CheckInFactory
from tests.episodes.conftest import TODAY
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

NEW_EPISODE = {
    "affected_side": "left",
    "symptom_onset_date": "2026-02-01",
    "diagnosis_date": "2026-02-20",
    "diagnosis_method": "mri",
    "pregnancy_associated": False,
    "home_treatment_started_on": "2026-02-21",
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_care_team_opens_an_episode_for_their_patient(physio_client, patient):
    response = physio_client.post(
        f"/api/v1/patients/{patient.id}/episodes/", NEW_EPISODE, format="json"
    )

    assert response.status_code == 201, response.json()
    episode = Episode.objects.get()
    assert response.json()["id"] == str(episode.id)
    assert response.json()["status"] == "active"
    assert response.json()["weeks_since_onset"] == 5  # 2026-02-01 to 2026-03-10: 37 days
    assert response.json()["open_flags"] == []
    assert (episode.patient, episode.diagnosis_method) == (patient, "mri")


def test_patient_opens_their_own_episode(patient_client, patient):
    body = {"affected_side": "both", "symptom_onset_date": "2026-03-10"}
    response = patient_client.post(
        "/api/v1/me/episodes/", {**body, "pregnancy_associated": True}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["diagnosis_method"] is None
    assert response.json()["weeks_since_onset"] == 0
    assert Episode.objects.get().patient == patient


def test_second_active_episode_is_a_409_with_the_existing_id(patient_client, patient):
    existing = EpisodeFactory(patient=patient)

    response = patient_client.post("/api/v1/me/episodes/", NEW_EPISODE, format="json")

    assert response.status_code == 409
    assert response.json()["id"] == str(existing.id)
    assert Episode.objects.count() == 1


def test_repeated_client_id_returns_the_stored_episode_with_200(patient_client):
    body = {**NEW_EPISODE, "client_id": str(uuid.uuid4())}
    first = patient_client.post("/api/v1/me/episodes/", body, format="json")

    again = patient_client.post("/api/v1/me/episodes/", body, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Episode.objects.count() == 1


def test_new_episode_is_allowed_once_the_previous_one_is_resolved(patient_client, patient):
    EpisodeFactory(
        patient=patient,
        symptom_onset_date=dt.date(2025, 1, 1),
        status=EpisodeStatus.RESOLVED,
        resolved_on=dt.date(2025, 9, 1),
    )

    response = patient_client.post("/api/v1/me/episodes/", NEW_EPISODE, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"symptom_onset_date": "2026-03-11"}, "symptom_onset_date"),
        ({"diagnosis_date": "2026-01-31"}, "diagnosis_date"),
        ({"diagnosis_date": "2026-03-11"}, "diagnosis_date"),
        ({"home_treatment_started_on": "2026-01-31"}, "home_treatment_started_on"),
        ({"affected_side": "middle"}, "affected_side"),
        ({"diagnosis_method": "ct"}, "diagnosis_method"),
        ({"pregnancy_associated": None}, "pregnancy_associated"),
    ],
)
def test_invalid_episode_is_a_field_error_and_stores_nothing(patient_client, overrides, field):
    response = patient_client.post(
        "/api/v1/me/episodes/", {**NEW_EPISODE, **overrides}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert Episode.objects.count() == 0


def test_onset_today_in_auckland_is_accepted_while_utc_is_still_yesterday(patient_client, patient):
    patient.timezone = "Pacific/Auckland"
    patient.save()
    # 2026-03-10 12:00 UTC is 2026-03-11 01:00 in Auckland.
    response = patient_client.post(
        "/api/v1/me/episodes/",
        {
            "affected_side": "right",
            "symptom_onset_date": "2026-03-11",
            "pregnancy_associated": False,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()


def test_patient_cannot_open_an_episode_on_the_care_team_path(patient_client, patient):
    response = patient_client.post(
        f"/api/v1/patients/{patient.id}/episodes/", NEW_EPISODE, format="json"
    )

    assert response.status_code == 403
    assert Episode.objects.count() == 0


def test_physio_of_another_care_team_gets_404(patient):
    episode = EpisodeFactory(patient=patient)
    stranger = client_for(physio_in(CareTeamFactory(clinic=patient.care_team.clinic)))

    assert stranger.get(f"/api/v1/episodes/{episode.id}/").status_code == 404
    assert stranger.get(f"/api/v1/patients/{patient.id}/episodes/").status_code == 404
    created = stranger.post(f"/api/v1/patients/{patient.id}/episodes/", NEW_EPISODE, format="json")
    assert created.status_code == 404
    assert Episode.objects.count() == 1


def test_another_patient_gets_404_for_an_episode(patient):
    episode = EpisodeFactory(patient=patient)
    stranger = client_for(PatientFactory(care_team=patient.care_team).user)

    assert stranger.get(f"/api/v1/episodes/{episode.id}/").status_code == 404
    patched = stranger.patch(f"/api/v1/episodes/{episode.id}/", {"affected_side": "right"})
    assert patched.status_code == 404
    episode.refresh_from_db()
    assert episode.affected_side == "left"


def test_resolving_needs_a_resolution_date(physio_client, patient):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(200))

    refused = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/", {"status": "resolved"}, format="json"
    )
    resolved = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/",
        {"status": "resolved", "resolved_on": str(TODAY)},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["resolved_on"]
    assert resolved.status_code == 200
    assert (resolved.json()["status"], resolved.json()["resolved_on"]) == ("resolved", str(TODAY))


def test_resolution_date_after_today_is_refused(physio_client, patient):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(200))

    response = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/",
        {"status": "resolved", "resolved_on": str(TODAY + dt.timedelta(days=1))},
        format="json",
    )

    assert response.status_code == 400
    episode.refresh_from_db()
    assert episode.status == "active"


def test_reopening_clears_the_resolution_date(patient_client, patient):
    episode = EpisodeFactory(
        patient=patient,
        symptom_onset_date=days_ago(200),
        status=EpisodeStatus.RESOLVED,
        resolved_on=days_ago(10),
    )

    response = patient_client.patch(
        f"/api/v1/episodes/{episode.id}/", {"status": "active"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["resolved_on"]) == ("active", None)


def test_reopening_while_another_episode_is_active_is_a_409(physio_client, patient):
    old = EpisodeFactory(
        patient=patient,
        symptom_onset_date=days_ago(400),
        status=EpisodeStatus.RESOLVED,
        resolved_on=days_ago(200),
    )
    current = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(20))

    response = physio_client.patch(
        f"/api/v1/episodes/{old.id}/", {"status": "active"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["id"] == str(current.id)
    old.refresh_from_db()
    assert old.status == "resolved"


def test_onset_cannot_move_after_the_first_checkin(physio_client, patient):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(30))
    CheckInFactory(episode=episode, date=days_ago(20))

    refused = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/",
        {"symptom_onset_date": str(days_ago(19))},
        format="json",
    )
    accepted = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/",
        {"symptom_onset_date": str(days_ago(20))},
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["symptom_onset_date"]
    assert accepted.status_code == 200


def test_episode_writes_call_the_record_hook(physio_client, patient):
    with mock.patch("apps.episodes.services.episode_record_changed") as hook:
        created = physio_client.post(
            f"/api/v1/patients/{patient.id}/episodes/", NEW_EPISODE, format="json"
        )
        physio_client.patch(
            f"/api/v1/episodes/{created.json()['id']}/", {"affected_side": "both"}, format="json"
        )

    episode = Episode.objects.get()
    assert hook.call_args_list == [
        mock.call(episode=episode, changed_dates=[]),
        mock.call(episode=episode, changed_dates=[]),
    ]


def test_refused_episode_write_does_not_call_the_record_hook(physio_client, patient):
    EpisodeFactory(patient=patient)
    with mock.patch("apps.episodes.services.episode_record_changed") as hook:
        physio_client.post(f"/api/v1/patients/{patient.id}/episodes/", NEW_EPISODE, format="json")

    hook.assert_not_called()


def test_weeks_since_onset_counts_whole_weeks_on_the_patients_calendar(physio_client, patient):
    seven_weeks = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(49))
    assert physio_client.get(f"/api/v1/episodes/{seven_weeks.id}/").json()["weeks_since_onset"] == 7
    seven_weeks.symptom_onset_date = days_ago(48)
    seven_weeks.save()
    assert physio_client.get(f"/api/v1/episodes/{seven_weeks.id}/").json()["weeks_since_onset"] == 6


def open_flag(episode, **fields) -> Flag:
    values = {
        "episode": episode,
        "patient": episode.patient,
        "rule": "morning_stiffness",
        "rule_version": 1,
        "severity": "routine",
        "opened_at": timezone.now(),
        "opened_for_date": TODAY,
        "last_seen_at": timezone.now(),
        "last_held_on": TODAY,
        "patient_message": "Mention it at your next review.",
        "clinician_summary": "Stiffness > 30 min on 3 of 7 days.",
    }
    return Flag.objects.create(**(values | fields))


def test_episode_shows_its_open_flags_with_the_summary_for_staff_only(
    physio_client, patient_client, patient
):
    episode = EpisodeFactory(patient=patient)
    flag = open_flag(episode)
    open_flag(episode, rule="pain_worsening", severity="soon", status="resolved")

    for_staff = physio_client.get(f"/api/v1/episodes/{episode.id}/").json()["open_flags"]
    for_patient = patient_client.get(f"/api/v1/episodes/{episode.id}/").json()["open_flags"]

    assert [(f["id"], f["clinician_summary"]) for f in for_staff] == [
        (str(flag.id), "Stiffness > 30 min on 3 of 7 days.")
    ]
    assert [(f["id"], f["clinician_summary"]) for f in for_patient] == [(str(flag.id), None)]
    assert for_patient[0]["patient_message"] == "Mention it at your next review."


def test_patient_lists_their_episodes_and_care_team_lists_a_patients(
    patient_client, physio_client, patient
):
    EpisodeFactory(
        patient=patient,
        symptom_onset_date=dt.date(2025, 1, 1),
        status=EpisodeStatus.RESOLVED,
        resolved_on=dt.date(2025, 6, 1),
    )
    EpisodeFactory(patient=patient)
    EpisodeFactory()  # someone else's

    mine = patient_client.get("/api/v1/me/episodes/").json()
    theirs = physio_client.get(f"/api/v1/patients/{patient.id}/episodes/").json()

    assert mine["count"] == theirs["count"] == 2
    assert [row["status"] for row in mine["results"]] == ["active", "resolved"]


def test_staff_have_no_me_episodes(physio_client):
    assert physio_client.get("/api/v1/me/episodes/").status_code == 404


def test_episode_list_query_count_does_not_grow_with_episodes(
    physio_client, patient, django_assert_num_queries
):
    EpisodeFactory(patient=patient)
    with django_assert_num_queries(4) as small:
        physio_client.get(f"/api/v1/patients/{patient.id}/episodes/")
    for year in range(2015, 2025):
        EpisodeFactory(
            patient=patient,
            symptom_onset_date=dt.date(year, 1, 1),
            status=EpisodeStatus.RESOLVED,
            resolved_on=dt.date(year, 6, 1),
        )
    with django_assert_num_queries(len(small.captured_queries)):
        response = physio_client.get(f"/api/v1/patients/{patient.id}/episodes/")
    assert response.json()["count"] == 11
