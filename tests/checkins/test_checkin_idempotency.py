"""Retries and duplicates: the unique constraints (patient, client_id) and (episode, date)
decide, so a retried or concurrent POST never creates a second row."""

from __future__ import annotations

import datetime as dt
import threading
from unittest import mock

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.checkins.models import CheckIn
from tests.accounts.factories import PatientFactory
from tests.checkins.conftest import TODAY
from tests.checkins.factories import CheckInFactory, checkin_payload
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


def stored_values(checkin_id) -> dict:
    return CheckIn.objects.filter(pk=checkin_id).values().get()


def test_new_checkin_is_created_with_201_and_empty_advice(patient_client, episode):
    body = checkin_payload(TODAY)

    response = patient_client.post(URL, body, format="json")

    assert response.status_code == 201
    stored = CheckIn.objects.get()
    assert response.json()["id"] == str(stored.id)
    assert response.json()["advice"] == []
    assert str(stored.client_id) == body["client_id"]
    assert stored.pain_now == 3
    assert stored.walking_aid == "cane"
    assert stored.notes == "Stairs were hard."


def test_same_client_id_again_returns_the_stored_checkin_with_200_and_changes_nothing(
    patient_client, episode
):
    body = checkin_payload(TODAY)
    first = patient_client.post(URL, body, format="json")
    before = stored_values(first.json()["id"])

    again = patient_client.post(URL, body, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["advice"] == first.json()["advice"]  # the first answer's, stored
    assert CheckIn.objects.count() == 1
    assert stored_values(first.json()["id"]) == before


def test_same_client_id_with_a_different_body_still_returns_the_stored_checkin(
    patient_client, episode
):
    body = checkin_payload(TODAY, pain_now=2)
    first = patient_client.post(URL, body, format="json")

    again = patient_client.post(URL, {**body, "pain_now": 9}, format="json")

    assert again.status_code == 200
    assert again.json()["pain_now"] == 2
    assert CheckIn.objects.get().pain_now == 2
    assert again.json()["id"] == first.json()["id"]


def test_same_client_id_with_a_now_invalid_body_returns_the_stored_checkin(patient_client, episode):
    body = checkin_payload(TODAY)
    first = patient_client.post(URL, body, format="json")

    again = patient_client.post(URL, {"client_id": body["client_id"]}, format="json")

    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


def test_another_client_id_for_a_date_already_checked_in_is_a_409_with_the_existing_id(
    patient_client, episode
):
    first = patient_client.post(URL, checkin_payload(TODAY, pain_now=2), format="json")

    second = patient_client.post(URL, checkin_payload(TODAY, pain_now=8), format="json")

    assert second.status_code == 409
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["code"] == "conflict"
    assert list(second.json()["errors"]) == ["date"]
    assert CheckIn.objects.get().pain_now == 2


def test_another_patients_client_id_does_not_collide(patient_client, episode):
    stranger_checkin = CheckInFactory(episode=EpisodeFactory(patient=PatientFactory()))

    response = patient_client.post(
        URL, checkin_payload(TODAY, client_id=str(stranger_checkin.client_id)), format="json"
    )

    assert response.status_code == 201
    assert response.json()["id"] != str(stranger_checkin.id)
    assert CheckIn.objects.count() == 2


def test_every_accepted_checkin_calls_the_record_hook_with_its_date(patient_client, episode):
    day = TODAY - dt.timedelta(days=3)
    with mock.patch("apps.checkins.services.episode_record_changed") as hook:
        patient_client.post(URL, checkin_payload(day), format="json")

    hook.assert_called_once_with(episode=episode, changed_dates=[day])


def test_refused_or_repeated_checkins_do_not_call_the_record_hook(patient_client, episode):
    body = checkin_payload(TODAY)
    patient_client.post(URL, body, format="json")
    with mock.patch("apps.checkins.services.episode_record_changed") as hook:
        patient_client.post(URL, body, format="json")  # unchanged
        patient_client.post(URL, checkin_payload(TODAY), format="json")  # conflict
        patient_client.post(URL, checkin_payload(TODAY, pain_now=11), format="json")  # invalid

    hook.assert_not_called()


def test_advice_from_the_flag_engine_is_returned_with_the_created_checkin(patient_client, episode):
    advice = [{"rule": "fall_or_injury", "severity": "emergency", "message": "Call 999."}]
    with mock.patch(
        "apps.flags.services.checkin_advice",
        side_effect=lambda *, checkins: {c.id: advice for c in checkins},
    ):
        response = patient_client.post(
            URL, checkin_payload(TODAY, red_flags=["fall_or_injury"]), format="json"
        )

    assert response.status_code == 201
    assert response.json()["advice"] == advice


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_identical_concurrent_posts_leave_one_row_and_all_carry_its_id():
    assert connection.vendor == "postgresql"
    patient = PatientFactory()
    EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=30))
    body = checkin_payload(TODAY)
    barrier = threading.Barrier(20)
    responses = []
    lock = threading.Lock()

    def send():
        client = APIClient()
        client.force_authenticate(patient.user)
        barrier.wait()
        try:
            response = client.post(URL, body, format="json")
            with lock:
                responses.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = CheckIn.objects.get()
    assert sorted(status for status, _ in responses) == [200] * 19 + [201]
    assert {checkin_id for _, checkin_id in responses} == {str(stored.id)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_for_one_date_with_different_client_ids_leave_one_row():
    patient = PatientFactory()
    EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=30))
    barrier = threading.Barrier(20)
    responses = []
    lock = threading.Lock()

    def send():
        client = APIClient()
        client.force_authenticate(patient.user)
        barrier.wait()
        try:
            response = client.post(URL, checkin_payload(TODAY), format="json")
            with lock:
                responses.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    stored = CheckIn.objects.get()
    assert sorted(status for status, _ in responses) == [201] + [409] * 19
    assert {checkin_id for _, checkin_id in responses} == {str(stored.id)}
