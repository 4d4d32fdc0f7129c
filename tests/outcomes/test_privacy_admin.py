"""Questionnaires in the FHIR export and the outcome CSV, and the admin's read-only rule."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from apps.privacy.fhir import patient_bundle
from tests.trust.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_fhir_export_has_questionnaire_response_and_score_derived_from_it(world):
    bundle = patient_bundle(world.target.patient)
    resources = [entry["resource"] for entry in bundle["entry"]]
    response = world.target.questionnaire_response
    [qr] = [r for r in resources if r["resourceType"] == "QuestionnaireResponse"]
    assert qr["id"] == str(response.pk)
    assert qr["questionnaire"].endswith("/Questionnaire/psfs|1")
    assert {"linkId": "rating_1", "answer": [{"valueInteger": 4}]} in qr["item"]
    [questionnaire] = [r for r in resources if r["resourceType"] == "Questionnaire"]
    assert all("text" not in item for item in questionnaire["item"])
    scores = [r for r in resources if r["resourceType"] == "Observation" and "derivedFrom" in r]
    assert len(scores) == 1
    assert scores[0]["derivedFrom"] == [{"reference": f"urn:uuid:{response.pk}"}]
    assert scores[0]["valueQuantity"]["value"] == 5.0


def test_outcome_csv_one_row_per_score_for_the_care_team_only(world):
    response = client_for(world.roles["physio_team"]).get("/api/v1/cohort/outcomes.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["Instrument"], r["Score"], r["Value"], r["MCID"]) for r in rows] == [
        ("psfs", "psfs_mean", "5.0", "1.3")
    ]
    other = client_for(world.roles["physio_other_team"]).get("/api/v1/cohort/outcomes.csv")
    assert list(csv.DictReader(io.StringIO(b"".join(other.streaming_content).decode()))) == []
    assert (
        client_for(world.roles["patient_self"]).get("/api/v1/cohort/outcomes.csv").status_code
        == 403
    )


def test_instruments_are_read_only_in_the_admin_once_answered(world):
    from django.contrib import admin
    from django.test import RequestFactory

    from apps.outcomes.models import Instrument
    from tests.accounts.factories import UserFactory

    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[Instrument]
    answered = Instrument.objects.get(code="psfs")
    unanswered = Instrument.objects.get(code="pgic")
    assert model_admin.has_change_permission(request, answered) is False
    assert model_admin.has_delete_permission(request, answered) is False
    assert model_admin.has_change_permission(request, unanswered) is True
    assert model_admin.has_add_permission(request) is False
