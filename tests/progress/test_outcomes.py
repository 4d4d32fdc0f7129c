"""`GET me/progress/`: the latest questionnaire scores and what is due, from apps.outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.episodes.models import Episode
from tests.outcomes.factories import psfs_answers, stored_response
from tests.progress.conftest import NOW, TODAY, course, short_and_long_records

URL = "/api/v1/me/progress/"
pytestmark = pytest.mark.django_db


def _enrolled_long_ago(episode: Episode, *, days: int = 200) -> None:
    """The episode was created ``days`` ago (its baseline long past)."""
    Episode.objects.filter(pk=episode.pk).update(created_at=NOW - dt.timedelta(days=days))


def _get(client, **headers):
    response = client.get(URL, **headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_latest_scores_carry_the_change_from_baseline(client_of, new_patient):
    patient = new_patient()
    episode = course(patient, week=6, pains=[5] * 14)
    stored_response(
        episode=episode, day=TODAY - dt.timedelta(days=28), answers=psfs_answers(2, 3, 4)
    )
    stored_response(
        episode=episode, day=TODAY - dt.timedelta(days=1), answers=psfs_answers(6, 6, 6)
    )
    body = _get(client_of(patient))
    assert body["latest_scores"] == [
        {
            "instrument": "psfs",
            "score": "psfs_mean",
            "value": 6.0,
            "date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "change_from_baseline": 3.0,
            "meaningful": "better",  # PSFS MCID 1.3, higher is better
        }
    ]


def test_due_questionnaires_are_those_of_me_questionnaires_and_in_the_message(
    client_of, new_patient
):
    patient = new_patient()
    course(patient, week=3, pains=[4] * 14)  # enrolled today: the baseline is due
    client = client_of(patient)
    body = _get(client)
    due = client.get("/api/v1/me/questionnaires/").json()
    assert {d["instrument"] for d in due} >= {"psfs", "weekly_pain"}
    assert body["next"]["questionnaires_due"] == due
    assert (
        f"{len(due)} short questionnaires about how you are doing are waiting" in (body["message"])
    )
    spanish = _get(client, HTTP_ACCEPT_LANGUAGE="es")
    assert f"{len(due)} cuestionarios breves" in spanish["message"]


def test_nothing_due_says_nothing_about_questionnaires(client_of, new_patient):
    patient = new_patient()
    # Onset 24 days ago, enrolled 30 days ago: the baseline and the day-14 occasion have
    # expired (7 days), the day-28 one is still to come.
    _enrolled_long_ago(course(patient, week=3, pains=[4] * 14), days=30)
    body = _get(client_of(patient))
    assert body["next"]["questionnaires_due"] == []
    assert "questionnaire" not in body["message"]


def test_after_resolution_the_monthly_joint_check_is_due_when_it_is(client_of, new_patient):
    patient = new_patient()
    _enrolled_long_ago(
        course(
            patient,
            week=30,
            pains=[1] * 5,
            status="resolved",
            resolved_on=TODAY - dt.timedelta(days=31),  # a month ago: the first joint check
        )
    )
    body = _get(client_of(patient))
    assert [d["instrument"] for d in body["next"]["questionnaires_due"]] == ["joint_check"]
    assert body["next"]["questionnaires_due"][0]["reason"] == "surveillance"
    assert "Your monthly joint check is due now" in body["message"]
    spanish = _get(client_of(patient), HTTP_ACCEPT_LANGUAGE="es")
    assert "Su control mensual de las articulaciones" in spanish["message"]


def test_between_joint_checks_nothing_is_said_to_be_due(client_of, new_patient):
    patient = new_patient()
    _enrolled_long_ago(
        course(
            patient,
            week=30,
            pains=[1] * 5,
            status="resolved",
            resolved_on=TODAY - dt.timedelta(days=15),
        )
    )
    body = _get(client_of(patient))
    assert body["next"]["questionnaires_due"] == []
    assert "is due now" not in body["message"]
    assert "monthly joint check continues for 24 months" in body["message"]


def test_query_count_does_not_grow_with_scores_and_checkins(client_of, new_patient):
    short, long = new_patient(), new_patient()
    short_and_long_records(short, long)
    counts = []
    for patient in (short, long):
        client = client_of(patient)
        client.get(URL)  # warm caches
        with CaptureQueriesContext(connection) as queries:
            body = _get(client)
        assert body["latest_scores"]
        counts.append(len(queries))
    assert counts[0] == counts[1]
