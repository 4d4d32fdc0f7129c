"""A patient who chose Spanish gets Spanish advice, progress and errors; an English patient on
the same server still gets English (API.md, Conventions: Language)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.accounts.models import Patient
from tests.accounts.factories import PatientFactory
from tests.checkins.factories import checkin_payload
from tests.dashboard.factories import CheckInFactory, EpisodeFactory, FlagFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def token_client(patient: Patient, **headers) -> APIClient:
    """A client signed in with a real device token (the language is known only once DRF has
    authenticated it, inside the view)."""
    client = APIClient(**headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")
    return client


@pytest.fixture
def spanish(care_team) -> Patient:
    patient = PatientFactory(care_team=care_team)
    client = token_client(patient)
    response = client.patch("/api/v1/me/", {"language": "es"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["language"] == "es"
    patient.user.refresh_from_db()
    return patient


@pytest.fixture
def english(care_team) -> Patient:
    return PatientFactory(care_team=care_team)


def _with_episode(patient: Patient):
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))


def test_checkin_advice_follows_the_patients_language(spanish, english):
    for patient in (spanish, english):
        _with_episode(patient)
    body = checkin_payload(TODAY, red_flags=["fall_or_injury"])
    es = token_client(spanish).post("/api/v1/checkins/", body, format="json")
    en = token_client(english).post(
        "/api/v1/checkins/", checkin_payload(TODAY, red_flags=["fall_or_injury"]), format="json"
    )
    assert es.status_code == en.status_code == 201
    assert es.json()["advice"][0]["message"].startswith(
        "Ha indicado una caída o una lesión. Llame al 999 o vaya a urgencias ahora"
    )
    assert en.json()["advice"][0]["message"].startswith("You reported a fall or injury. Call 999")
    assert es["Content-Language"] == "es"
    assert en["Content-Language"] == "en-gb"


def test_error_messages_follow_the_patients_language(spanish, english):
    for patient in (spanish, english):
        _with_episode(patient)
    future = checkin_payload(TODAY + dt.timedelta(days=3))
    es = token_client(spanish).post("/api/v1/checkins/", future, format="json")
    en = token_client(english).post("/api/v1/checkins/", future, format="json")
    assert es.status_code == en.status_code == 400
    assert es.json()["errors"]["date"] == [
        "No puede ser posterior a hoy (2026-03-10 en Europe/London)."
    ]
    assert en.json()["errors"]["date"] == ["Cannot be after today (2026-03-10 in Europe/London)."]
    # DRF's own messages come in Spanish too (its catalogue).
    missing = token_client(spanish).post("/api/v1/checkins/", {}, format="json")
    assert missing.json()["errors"]["pain_now"] == ["Este campo es requerido."]
    # And the error middleware's answers (a 404 under /api/ from a view).
    gone = token_client(spanish).get(f"/api/v1/checkins/{'0' * 8}-0000-0000-0000-{'0' * 12}/")
    assert gone.status_code == 404
    assert gone.json()["errors"]["non_field_errors"] == ["No encontrado."]


def test_progress_message_follows_the_patients_language(spanish, english):
    for patient in (spanish, english):
        episode = _with_episode(patient)
        for back in range(14):
            CheckInFactory(
                episode=episode, date=TODAY - dt.timedelta(days=back), pain_now=3 if back < 7 else 6
            )
        FlagFactory(
            episode=episode, rule="fall_or_injury", severity="emergency", opened_for_date=TODAY
        )
    es = token_client(spanish).get("/api/v1/me/progress/").json()
    en = token_client(english).get("/api/v1/me/progress/").json()
    assert es["phase"] == en["phase"] == "easing"
    assert es["message"].startswith("Lea esto primero, por favor: Ha indicado una caída")
    assert "Semana 8." in es["message"]
    assert "3,0 sobre 10" in es["message"]  # numbers formatted for the language
    assert en["message"].startswith("Please read this first: You reported a fall or injury.")
    assert "3.0 out of 10" in en["message"]


def test_the_patients_flags_read_in_their_language(spanish):
    episode = _with_episode(spanish)
    FlagFactory(episode=episode, rule="fall_or_injury", severity="emergency")
    flags = token_client(spanish).get("/api/v1/flags/").json()["results"]
    assert flags[0]["patient_message"].startswith("Ha indicado una caída o una lesión.")


def test_accept_language_without_a_chosen_language(english):
    _with_episode(english)
    client = token_client(english, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9,en;q=0.5")
    response = client.post("/api/v1/checkins/", checkin_payload(TODAY + dt.timedelta(days=3)))
    assert response.json()["errors"]["date"][0].startswith("No puede ser posterior a hoy")
    # The chosen language wins over the header.
    english.user.language = "en-gb"
    english.user.save()
    response = client.post("/api/v1/checkins/", checkin_payload(TODAY + dt.timedelta(days=3)))
    assert response.json()["errors"]["date"][0].startswith("Cannot be after today")


def test_a_language_the_deployment_does_not_offer_is_refused(english, settings):
    client = token_client(english)
    response = client.patch("/api/v1/me/", {"language": "fr"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["language"] == [
        "Choose one of the languages offered: en-gb, es."
    ]
    settings.TOH_PATIENT_LANGUAGES = ["en-gb"]
    response = client.patch("/api/v1/me/", {"language": "es"}, format="json")
    assert response.status_code == 400
    # BCP 47 variants are matched to the language offered.
    assert (
        client.patch("/api/v1/me/", {"language": "en-US"}, format="json").json()["language"]
        == "en-gb"
    )


def test_nothing_leaks_to_the_next_request(spanish):
    token_client(spanish).get("/api/v1/me/progress/")
    assert translation.get_language() == "en-gb"
