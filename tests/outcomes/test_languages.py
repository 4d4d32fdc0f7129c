"""Questionnaires in the caller's language (apps.core.i18n): the wording of
`GET instruments/{code}/`, and the patient-facing errors of the outcome endpoints."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db
INSTRUMENTS = Path(__file__).resolve().parents[2] / "apps" / "outcomes" / "instruments"
SHIPPED_WITH_WORDING = ("psfs", "pgic", "weekly_pain", "joint_check")


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("code", SHIPPED_WITH_WORDING)
def test_the_spanish_wording_covers_every_item_and_option(code):
    english = json.loads((INSTRUMENTS / f"{code}.en.json").read_text())
    spanish = json.loads((INSTRUMENTS / f"{code}.es.json").read_text())
    assert spanish["version"] == english["version"]
    assert spanish["title"]
    assert spanish["title"] != english["title"]
    assert spanish["items"].keys() == english["items"].keys()
    for link_id, item in english["items"].items():
        translated = spanish["items"][link_id]
        assert translated["text"], link_id
        assert translated["text"] != item["text"], link_id
        assert (translated.get("options") or {}).keys() == (item.get("options") or {}).keys()


def test_the_patients_own_language_wins_over_accept_language(patient):
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    client = _client(patient.user)
    body = client.get("/api/v1/instruments/pgic/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["language"] == "es"
    assert body["items"][0]["options"][0]["display"] == "Muchísimo mejor"
    assert client.get("/api/v1/instruments/pgic/").json()["language"] == "es"


def test_an_english_patient_on_the_same_server_gets_english(patient):
    patient.user.language = "en-gb"
    patient.user.save(update_fields=["language"])
    body = _client(patient.user).get("/api/v1/instruments/psfs/").json()
    assert body["language"] == "en"


def test_fhir_questionnaire_in_the_patients_language(patient):
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    resource = _client(patient.user).get("/api/v1/instruments/pgic/?format=fhir").json()
    assert resource["language"] == "es"


def test_errors_in_spanish(patient, physio):
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    client = _client(patient.user)
    missing = client.get("/api/v1/instruments/nope/")
    assert missing.status_code == 404
    assert "No existe ese cuestionario." in json.dumps(missing.json(), ensure_ascii=False)
    staff = _client(physio).get("/api/v1/me/questionnaires/", HTTP_ACCEPT_LANGUAGE="es")
    assert staff.status_code == 403
    assert "Solo los pacientes responden cuestionarios." in json.dumps(
        staff.json(), ensure_ascii=False
    )


def test_answer_errors_in_spanish(patient):
    from tests.dashboard.factories import EpisodeFactory

    EpisodeFactory(
        patient=patient, symptom_onset_date=dt.datetime.now(dt.UTC).date() - dt.timedelta(days=30)
    )
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    body = psfs_body([3, 4, 11], completed_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    body["answers"].append({"item": "nope", "value": 1})
    response = _client(patient.user).post("/api/v1/questionnaire-responses/", body, format="json")
    assert response.status_code == 400, response.content
    problems = response.json()["errors"]["answers"]
    assert "nope: no es una pregunta de psfs." in problems
    assert "rating_3: debe estar entre 0 y 10." in problems
