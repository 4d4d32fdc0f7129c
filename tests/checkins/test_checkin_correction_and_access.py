"""PATCH within 7 days, and who may read or correct which check-in."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.checkins.models import CheckIn
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.checkins.conftest import TODAY
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def url(checkin) -> str:
    return f"/api/v1/checkins/{checkin.id}/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_patient_corrects_a_checkin_seven_days_old(patient_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=7), pain_now=3)

    response = patient_client.patch(url(checkin), {"pain_now": 6, "notes": "Typo"}, format="json")

    assert response.status_code == 200, response.json()
    checkin.refresh_from_db()
    assert (checkin.pain_now, checkin.notes) == (6, "Typo")


def test_checkin_eight_days_old_can_no_longer_be_corrected(patient_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=8), pain_now=3)

    response = patient_client.patch(url(checkin), {"pain_now": 6}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "date": ["A check-in can be corrected for 7 days after its date."]
    }
    checkin.refresh_from_db()
    assert checkin.pain_now == 3


def test_correction_window_follows_the_patients_local_date(patient, patient_client):
    patient.timezone = "Pacific/Auckland"
    patient.save()
    episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 1, 1))
    checkin = CheckInFactory(episode=episode, date=dt.date(2026, 3, 3))
    # 2026-03-10 10:00 UTC is 2026-03-10 23:00 in Auckland: day 7, still open.
    with time_machine.travel(dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC), tick=False):
        open_response = patient_client.patch(url(checkin), {"pain_now": 1}, format="json")
    # 11:00 UTC is 2026-03-11 00:00 in Auckland: day 8, closed.
    with time_machine.travel(dt.datetime(2026, 3, 10, 11, 0, tzinfo=dt.UTC), tick=False):
        closed_response = patient_client.patch(url(checkin), {"pain_now": 2}, format="json")

    assert open_response.status_code == 200
    assert closed_response.status_code == 400


def test_correction_refuses_out_of_range_values_and_changes_nothing(patient_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY, pain_now=3, walking_aid="none")
    before = CheckIn.objects.filter(pk=checkin.pk).values().get()

    response = patient_client.patch(
        url(checkin), {"pain_now": 11, "walking_aid": "cane"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["pain_now"]
    assert CheckIn.objects.filter(pk=checkin.pk).values().get() == before


def test_date_and_client_id_cannot_be_changed(patient_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY)

    response = patient_client.patch(
        url(checkin),
        {"date": (TODAY - dt.timedelta(days=1)).isoformat(), "client_id": str(episode.id)},
        format="json",
    )

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["client_id", "date"]
    checkin.refresh_from_db()
    assert checkin.date == TODAY


def test_correction_calls_the_record_hook_with_the_checkins_date(patient_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=2))
    with mock.patch("apps.checkins.services.episode_record_changed") as hook:
        patient_client.patch(url(checkin), {"limping": True}, format="json")

    hook.assert_called_once_with(episode=episode, changed_dates=[checkin.date])


def test_care_team_reads_a_checkin_but_cannot_correct_it(physio_client, episode):
    checkin = CheckInFactory(episode=episode, date=TODAY)

    assert physio_client.get(url(checkin)).json()["id"] == str(checkin.id)
    assert physio_client.patch(url(checkin), {"pain_now": 1}, format="json").status_code == 403


def test_another_patient_gets_404_for_a_checkin(episode):
    checkin = CheckInFactory(episode=episode, date=TODAY)
    stranger = client_for(PatientFactory().user)

    assert stranger.get(url(checkin)).status_code == 404
    assert stranger.patch(url(checkin), {"pain_now": 1}, format="json").status_code == 404


def test_physio_of_another_care_team_gets_404_for_a_checkin(episode):
    checkin = CheckInFactory(episode=episode, date=TODAY)
    stranger = client_for(physio_in(CareTeamFactory()))

    assert stranger.get(url(checkin)).status_code == 404


def test_staff_cannot_post_a_checkin(physio_client):
    response = physio_client.post("/api/v1/checkins/", {}, format="json")

    assert response.status_code == 403


def test_anonymous_gets_401(api_client):
    assert api_client.get("/api/v1/checkins/").status_code == 401
