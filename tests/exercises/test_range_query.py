"""The exercise endpoints read `?from=&to=` with the one range serializer
(apps.core.bounds.DateRangeQuerySerializer), as check-ins, the timeline and the cohort export
do: the same errors, and an empty parameter is absent."""

from __future__ import annotations

import pytest

from tests.exercises.test_adherence import adherence_url

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/exercise-sessions/"


@pytest.mark.parametrize("url", ["sessions", "adherence"])
def test_a_reversed_range_is_a_400_on_from(physio_client, episode, url):
    path = SESSIONS if url == "sessions" else adherence_url(episode)
    query = {"from": "2026-11-23", "to": "2026-11-22"}
    if url == "sessions":
        query["patient"] = str(episode.patient_id)

    response = physio_client.get(path, query)

    assert response.status_code == 400
    assert response.json()["errors"] == {"from": ["Must not be after `to`."]}


@pytest.mark.parametrize("url", ["sessions", "adherence"])
def test_an_empty_range_parameter_is_absent(patient_client, episode, url):
    path = SESSIONS if url == "sessions" else adherence_url(episode)

    response = patient_client.get(path, {"from": "", "to": ""})

    assert response.status_code == 200
