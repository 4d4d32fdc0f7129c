"""Withdrawn consent refuses the check-in, never the safety advice (API.md: Daily check-ins):
the gate answers 403 `consent_withdrawn`, stores nothing, and the body carries the advice the
sent values meet."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from apps.checkins.models import CheckIn
from apps.core.timezones import local_today
from apps.flags.models import Evaluation, Flag
from tests.checkins.factories import CheckInFactory, checkin_payload
from tests.consent.factories import accepted, withdrawn
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"
SYNC = "/api/v1/sync/"


@pytest.fixture
def today(patient) -> dt.date:
    return local_today(patient.timezone)


@pytest.fixture
def episode(patient, today):
    return EpisodeFactory(patient=patient, symptom_onset_date=today - dt.timedelta(days=60))


def stored_counts() -> tuple[int, int, int]:
    return CheckIn.objects.count(), Flag.objects.count(), Evaluation.objects.count()


def rules(advice: list[dict]) -> list[str]:
    return [item["rule"] for item in advice]


def test_a_fall_with_consent_withdrawn_is_refused_with_its_advice_and_stores_nothing(
    patient, patient_client, episode, today
):
    withdrawn(patient)
    before = stored_counts()

    response = patient_client.post(
        URL, checkin_payload(today, red_flags=["fall_or_injury"]), format="json"
    )

    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "consent_withdrawn"
    assert "withdrawn your consent" in body["errors"]["non_field_errors"][0]
    assert rules(body["advice"]) == ["fall_or_injury"]
    assert body["advice"][0]["severity"] == "emergency"
    assert stored_counts() == before


def test_the_refused_advice_is_computed_on_the_stored_rule_window(
    patient, patient_client, episode, today
):
    CheckInFactory(episode=episode, date=today - dt.timedelta(days=1), weight_bearing="none")
    CheckInFactory(episode=episode, date=today - dt.timedelta(days=3), red_flags=[])
    withdrawn(patient)
    body = checkin_payload(today, weight_bearing="none", red_flags=["numbness_or_tingling"])

    response = patient_client.post(URL, body, format="json")

    # Weight bearing was already none the day before: not a new emergency; numbness with no
    # injury on the day or the day before: none either.
    assert (response.status_code, response.json()["advice"]) == (403, [])
    assert CheckIn.objects.count() == 2


def test_a_refused_body_that_does_not_validate_carries_no_advice(
    patient, patient_client, episode, today
):
    withdrawn(patient)

    response = patient_client.post(
        URL, checkin_payload(today, red_flags=["fall_or_injury"], pain_now=11), format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")
    assert "advice" not in response.json()


def test_a_refused_fall_without_an_active_episode_still_carries_the_advice(
    patient, patient_client, today
):
    withdrawn(patient)

    response = patient_client.post(
        URL, checkin_payload(today, red_flags=["fall_or_injury"]), format="json"
    )

    assert response.status_code == 403
    assert rules(response.json()["advice"]) == ["fall_or_injury"]


def test_sync_with_consent_withdrawn_answers_each_check_ins_advice_and_stores_nothing(
    patient, patient_client, episode, today
):
    withdrawn(patient)
    before = stored_counts()
    items = [
        checkin_payload(today, red_flags=["fall_or_injury"]),
        checkin_payload(today - dt.timedelta(days=1)),
        checkin_payload(today - dt.timedelta(days=2), pain_now=11),
    ]

    response = patient_client.post(
        SYNC,
        {"checkins": items, "exercise_sessions": [{"client_id": str(uuid.uuid4())}]},
        format="json",
    )

    assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")
    refused = response.json()["checkins"]
    assert [rules(item["advice"]) for item in refused[:2]] == [["fall_or_injury"], []]
    assert "advice" not in refused[2]
    assert "pain_now" in refused[2]["errors"]
    assert stored_counts() == before


def test_a_correction_with_consent_withdrawn_carries_its_advice_and_changes_nothing(
    patient, patient_client, episode, today
):
    checkin = CheckInFactory(episode=episode, date=today)
    withdrawn(patient)

    response = patient_client.patch(
        f"{URL}{checkin.id}/", {"red_flags": ["leg_short_or_turned_out"]}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")
    assert rules(response.json()["advice"]) == ["leg_deformity"]
    assert CheckIn.objects.get().red_flags == []


def test_other_writes_are_still_refused_without_advice(patient, patient_client, episode):
    withdrawn(patient)

    response = patient_client.post(
        "/api/v1/exercise-sessions/", {"client_id": str(uuid.uuid4())}, format="json"
    )

    assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")
    assert set(response.json()) == {"errors", "code"}


def test_with_consent_in_force_the_fall_is_stored_with_its_advice(
    patient, patient_client, episode, today
):
    accepted(patient)

    response = patient_client.post(
        URL, checkin_payload(today, red_flags=["fall_or_injury"]), format="json"
    )

    assert response.status_code == 201
    assert CheckIn.objects.get().advice == response.json()["advice"]


def test_a_phone_with_a_device_token_gets_the_refused_advice_too(patient, episode, today):
    from knox.models import AuthToken
    from rest_framework.test import APIClient

    withdrawn(patient)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")

    response = client.post(URL, checkin_payload(today, red_flags=["fall_or_injury"]), format="json")

    assert (response.status_code, response.json()["code"]) == (403, "consent_withdrawn")
    assert rules(response.json()["advice"]) == ["fall_or_injury"]
    assert not CheckIn.objects.exists()
