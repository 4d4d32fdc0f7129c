from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.outcomes.models import QuestionnaireResponse, Score
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(patient, clock):
    return EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(days=30))


def test_instruments_list_open_available_and_licensed_not(patient_client, clock):
    body = patient_client.get("/api/v1/instruments/").json()
    by_code = {i["code"]: i for i in body["results"]}
    assert by_code["psfs"]["available"] is True
    assert by_code["psfs"]["languages"] == ["en", "es"]
    assert by_code["psfs"]["scores"][0] | {"mcid_source": "", "mdc_source": ""} == {
        "code": "psfs_mean",
        "range": [0.0, 10.0],
        "better": "higher",
        "mcid": 1.3,
        "mdc": 2.0,
        "algorithm": "mean",
        "min_answered": 3,
        "loinc": "",
        "mcid_source": "",
        "mdc_source": "",
    }
    assert by_code["hoos_ps"]["available"] is False
    assert by_code["hoos_ps"]["licence"] == "licensed"
    assert by_code["hoos_ps"]["loinc"] == "98945-9"
    assert set(by_code) == {
        "psfs",
        "pgic",
        "weekly_pain",
        "joint_check",
        "hoos12",
        "hoos_ps",
        "ohs",
        "promis_pf",
        "eq5d5l",
        "ihot12",
        "lefs",
    }


def test_instrument_detail_in_the_callers_language(patient_client, clock):
    english = patient_client.get("/api/v1/instruments/pgic/").json()
    spanish = patient_client.get("/api/v1/instruments/pgic/", HTTP_ACCEPT_LANGUAGE="es-MX").json()
    assert english["language"] == "en"
    assert english["items"][0]["options"][0] == {
        "code": "very_much_improved",
        "display": "Very much improved",
        "weight": 1.0,
    }
    assert spanish["language"] == "es"
    assert spanish["items"][0]["options"][0]["display"] == "Muchísimo mejor"
    assert patient_client.get("/api/v1/instruments/nope/").status_code == 404


def test_instrument_as_fhir_questionnaire_validates(patient_client, clock):
    from fhir.resources.R4B.questionnaire import Questionnaire

    response = patient_client.get("/api/v1/instruments/psfs/?format=fhir")
    assert response.status_code == 200
    resource = response.json()
    Questionnaire.model_validate(resource)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["item"][1]["text"].startswith("How able are you")
    licensed = patient_client.get("/api/v1/instruments/hoos_ps/?format=fhir").json()
    Questionnaire.model_validate(licensed)
    assert all("text" not in item for item in licensed["item"])


def test_response_is_scored_and_idempotent(patient_client, episode):
    body = psfs_body([4, 5, 6], completed_at=NOW)
    first = patient_client.post("/api/v1/questionnaire-responses/", body, format="json")
    assert first.status_code == 201, first.json()
    score = first.json()["scores"][0]
    assert score["score"] == "psfs_mean"
    assert score["value"] == 5.0
    assert score["algorithm_version"] == 1
    assert score["change_from_baseline"] is None
    again = patient_client.post("/api/v1/questionnaire-responses/", body, format="json")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert QuestionnaireResponse.objects.count() == 1


def test_too_few_items_stores_the_response_with_a_null_score(patient_client, episode):
    response = patient_client.post(
        "/api/v1/questionnaire-responses/", psfs_body([4, 5], completed_at=NOW), format="json"
    )
    assert response.status_code == 201
    score = response.json()["scores"][0]
    assert score["value"] is None
    assert score["reason"] == "2 of 5 items answered; the score needs 3"
    assert Score.objects.get().value is None


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"instrument": "psfs", "instrument_version": "9"}, {"instrument_version"}),
        ({"instrument": "hoos_ps"}, {"instrument"}),
        ({"language": "fr"}, {"language"}),
        ({"answers": [{"item": "rating_1", "value": 11}]}, {"answers"}),
        ({"answers": [{"item": "nope", "value": 1}]}, {"answers"}),
        ({"answers": [{"item": "rating_1", "value": 1.5}]}, {"answers"}),
        (
            {"answers": [{"item": "rating_1", "value": 1}, {"item": "rating_1", "value": 2}]},
            {"answers"},
        ),
        ({"client_id": "x"}, {"client_id"}),
        ({"completed_at": "2030-01-01T00:00:00+00:00"}, {"completed_at"}),
    ],
)
def test_bad_input_is_a_400_in_the_error_shape(patient_client, episode, change, errors):
    body = psfs_body([4, 5, 6], completed_at=NOW) | change
    response = patient_client.post("/api/v1/questionnaire-responses/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == errors
    assert QuestionnaireResponse.objects.count() == 0


def test_staff_cannot_post_and_other_team_gets_404(patient, patient_client, physio_client, episode):
    patient_client.post(
        "/api/v1/questionnaire-responses/", psfs_body([4, 5, 6], completed_at=NOW), format="json"
    )
    assert (
        physio_client.post("/api/v1/questionnaire-responses/", {}, format="json").status_code == 403
    )
    mine = physio_client.get(f"/api/v1/questionnaire-responses/?patient={patient.pk}")
    assert mine.status_code == 200
    assert mine.json()["count"] == 1
    other = APIClient()
    other.force_authenticate(physio_in(CareTeamFactory()))
    assert other.get(f"/api/v1/questionnaire-responses/?patient={patient.pk}").status_code == 404
    assert other.get("/api/v1/questionnaire-responses/").json()["count"] == 0


def test_list_filters(patient_client, episode, clock):
    for days, ratings in [(10, [3, 3, 3]), (3, [5, 5, 5])]:
        patient_client.post(
            "/api/v1/questionnaire-responses/",
            psfs_body(ratings, completed_at=NOW - dt.timedelta(days=days)),
            format="json",
        )
    since = (NOW - dt.timedelta(days=5)).date().isoformat()
    body = patient_client.get(
        f"/api/v1/questionnaire-responses/?from={since}&instrument=psfs"
    ).json()
    assert body["count"] == 1
    assert body["results"][0]["scores"][0]["change_from_baseline"] == 2.0
    bad = patient_client.get("/api/v1/questionnaire-responses/?from=nope")
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {"from"}


def test_me_questionnaires_baseline_due(patient_client, episode):
    due = patient_client.get("/api/v1/me/questionnaires/").json()
    assert {
        "instrument": "psfs",
        "due_on": "2026-03-10",
        "expires_on": "2026-03-17",
        "reason": "baseline",
    } in due
    patient_client.post(
        "/api/v1/questionnaire-responses/", psfs_body([4, 5, 6], completed_at=NOW), format="json"
    )
    due = patient_client.get("/api/v1/me/questionnaires/").json()
    assert "psfs" not in {d["instrument"] for d in due}


def test_schedule_override_and_request(patient, patient_client, physio_client, episode):
    put = physio_client.put(
        f"/api/v1/episodes/{episode.pk}/questionnaire-schedule/",
        {"rules": [{"instrument": "pgic", "baseline": True}]},
        format="json",
    )
    assert put.status_code == 200, put.json()
    assert put.json()["source"] == "episode"
    due = patient_client.get("/api/v1/me/questionnaires/").json()
    assert [d["instrument"] for d in due] == ["pgic"]
    made = physio_client.post(
        f"/api/v1/patients/{patient.pk}/questionnaire-requests/",
        {"instrument": "weekly_pain"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    due = patient_client.get("/api/v1/me/questionnaires/").json()
    assert {
        "instrument": "weekly_pain",
        "due_on": "2026-03-10",
        "expires_on": "2026-03-17",
        "reason": "requested",
    } in due
    bad = physio_client.put(
        f"/api/v1/episodes/{episode.pk}/questionnaire-schedule/",
        {"rules": [{"instrument": "nope"}]},
        format="json",
    )
    assert bad.status_code == 400
    licensed = physio_client.post(
        f"/api/v1/patients/{patient.pk}/questionnaire-requests/",
        {"instrument": "ohs"},
        format="json",
    )
    assert licensed.status_code == 400
    assert (
        patient_client.put(
            f"/api/v1/episodes/{episode.pk}/questionnaire-schedule/", {"rules": []}, format="json"
        ).status_code
        == 403
    )


def test_response_list_query_count_is_constant(
    patient, physio, episode, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.accounts.factories import PatientFactory

    client = APIClient()
    client.force_authenticate(physio)

    def add_patients(n):
        for _ in range(n):
            other = PatientFactory(care_team=patient.care_team)
            EpisodeFactory(patient=other, symptom_onset_date=NOW.date() - dt.timedelta(days=30))
            c = APIClient()
            c.force_authenticate(other.user)
            c.post(
                "/api/v1/questionnaire-responses/",
                psfs_body([4, 5, 6], completed_at=NOW),
                format="json",
            )

    add_patients(5)
    with CaptureQueriesContext(connection) as five:
        assert client.get("/api/v1/questionnaire-responses/").status_code == 200
    add_patients(45)
    with CaptureQueriesContext(connection) as fifty:
        assert client.get("/api/v1/questionnaire-responses/").json()["count"] == 50
    assert len(five) == len(fifty)


def test_withdrawn_consent_refuses_the_response_and_stores_nothing(patient, episode):

    from apps.consent.models import ConsentAcceptance
    from tests.consent.factories import accepted

    accepted(patient)
    ConsentAcceptance.objects.filter(patient=patient).update(
        accepted_at=NOW - dt.timedelta(days=5), withdrawn_at=NOW - dt.timedelta(days=1)
    )
    client = APIClient()
    client.force_authenticate(patient.user)
    response = client.post(
        "/api/v1/questionnaire-responses/", psfs_body([4, 5, 6], completed_at=NOW), format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "consent_withdrawn"
    assert QuestionnaireResponse.objects.count() == 0


def test_sync_accepts_questionnaire_responses_idempotently(patient_client, episode):
    items = [psfs_body([4, 5, 6], completed_at=NOW), {"client_id": "nope"}]
    first = patient_client.post("/api/v1/sync/", {"questionnaire_responses": items}, format="json")
    assert first.status_code == 200
    statuses = [i["status"] for i in first.json()["questionnaire_responses"]]
    assert statuses == ["created", "invalid"]
    again = patient_client.post(
        "/api/v1/sync/", {"questionnaire_responses": items[:1]}, format="json"
    )
    assert again.json()["questionnaire_responses"][0] == {
        "status": "unchanged",
        "id": first.json()["questionnaire_responses"][0]["id"],
    }
    assert QuestionnaireResponse.objects.count() == 1
