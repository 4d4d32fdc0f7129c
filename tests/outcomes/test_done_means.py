"""The issue's "Done means" scenario over HTTP: a PSFS due, answered (201 with the score),
retried (200, same body), a worse answer two weeks later beyond the MCID and MDC opens
outcome_worsened with its evidence; another care team's physiotherapist gets 404."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.episodes.models import RecordChange
from apps.flags.models import Flag
from apps.flags.tasks import process_record_changes
from tests.accounts.factories import CareTeamFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def test_done_means(patient, patient_client, physio_client):
    with time_machine.travel(START, tick=False) as clock:
        episode = EpisodeFactory(
            patient=patient, symptom_onset_date=START.date() - dt.timedelta(days=20)
        )
        due = patient_client.get("/api/v1/me/questionnaires/").json()
        assert {
            "instrument": "psfs",
            "due_on": "2026-03-10",
            "expires_on": "2026-03-17",
            "reason": "baseline",
        } in due

        body = psfs_body([5, 6, 7], completed_at=START, client_id=uuid.uuid4())
        first = patient_client.post("/api/v1/questionnaire-responses/", body, format="json")
        assert first.status_code == 201
        assert first.json()["scores"][0]["value"] == 6.0
        retry = patient_client.post("/api/v1/questionnaire-responses/", body, format="json")
        assert (retry.status_code, retry.json()) == (200, first.json())
        assert RecordChange.objects.filter(episode=episode).count() == 1
        process_record_changes()
        assert not Flag.objects.filter(rule="outcome_worsened").exists()

        clock.move_to(START + dt.timedelta(days=14))
        later = START + dt.timedelta(days=14)
        worse = patient_client.post(
            "/api/v1/questionnaire-responses/",
            psfs_body([3, 3, 4], completed_at=later),
            format="json",
        )
        assert worse.status_code == 201
        score = worse.json()["scores"][0]
        assert score["change_from_baseline"] == pytest.approx(-2.6667, abs=1e-3)
        assert (score["beyond_mdc"], score["meaningful"]) == (True, "worse")
        process_record_changes()

        flag = Flag.objects.get(episode=episode, rule="outcome_worsened")
        assert (flag.severity, flag.status) == ("soon", "open")
        [evidence] = flag.evidence["scores"]
        assert evidence["baseline"]["value"] == 6.0
        assert evidence["baseline"]["date"] == "2026-03-10"
        assert evidence["latest"]["date"] == "2026-03-24"
        assert (evidence["mcid"], evidence["mdc"]) == (1.3, 2.0)
        assert "psfs psfs_mean 3.33 on 2026-03-24, from 6 on 2026-03-10" in flag.clinician_summary

        assert (
            physio_client.get(f"/api/v1/questionnaire-responses/?patient={patient.pk}").json()[
                "count"
            ]
            == 2
        )
        other = APIClient()
        other.force_authenticate(physio_in(CareTeamFactory()))
        assert (
            other.get(f"/api/v1/questionnaire-responses/?patient={patient.pk}").status_code == 404
        )
