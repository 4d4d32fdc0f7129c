"""A null score's reason is stored in English and read by a patient in their own language
(apps/outcomes/reasons.py; docs/i18n.md): a Spanish patient reads Spanish."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation
from rest_framework.test import APIClient

from apps.outcomes.models import Score
from apps.outcomes.reasons import REASONS, reason_in_language
from apps.outcomes.scoring import ScoreSpec, score
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
SAMPLES = {"answered": 2, "items": 5, "needed": 3, "key": "22"}


@pytest.fixture
def episode(patient):
    return EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(days=30))


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("es", "2 de 5 preguntas respondidas; la puntuación necesita 3"),
        ("en-gb", "2 of 5 items answered; the score needs 3"),
    ],
)
def test_the_reason_a_score_is_null_is_in_the_patients_language(patient, episode, language, reason):
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    client.force_authenticate(patient.user)

    response = client.post(
        "/api/v1/questionnaire-responses/", psfs_body([4, 5], completed_at=NOW), format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["scores"][0]["reason"] == reason
    # Stored in English: the care team, exports and rescoring read it as stored.
    assert Score.objects.get().reason == "2 of 5 items answered; the score needs 3"


def test_every_reason_scoring_gives_is_a_template():
    spec = ScoreSpec(algorithm="sum", items=("a", "b", "c"), min_answered=2)
    table = ScoreSpec(algorithm="lookup", items=("a", "b"), min_answered=1, lookup={"9": 1.0})
    profile = ScoreSpec(
        algorithm="lookup", items=("a", "b"), min_answered=1, lookup={}, lookup_key="profile"
    )
    no_table = ScoreSpec(algorithm="lookup", items=("a",), min_answered=1)
    reasons = [
        score(spec, {"a": 1}).reason,
        score(table, {"a": 1, "b": 1}).reason,
        score(profile, {"a": 1}).reason,
        score(no_table, {"a": 1}).reason,
    ]

    english = {template % SAMPLES if "%(" in template else template for template in REASONS}
    assert len(set(reasons)) == len(REASONS)
    with translation.override("en-gb"):
        assert [reason_in_language(r) for r in reasons] == reasons
    for reason in reasons:
        with translation.override("es"):
            assert reason_in_language(reason) != reason, reason
    assert "2 of 5 items answered; the score needs 3" in english


@pytest.mark.parametrize("template", REASONS)
def test_each_reason_has_its_spanish_text(template):
    stored = template % SAMPLES if "%(" in template else template
    with translation.override("es"):
        spanish = reason_in_language(stored)
    assert spanish != stored
    assert all(str(SAMPLES[name]) in spanish for name in SAMPLES if f"%({name})s" in template)


def test_a_reason_of_no_template_is_shown_as_stored():
    with translation.override("es"):
        assert reason_in_language("an older algorithm's words") == "an older algorithm's words"
