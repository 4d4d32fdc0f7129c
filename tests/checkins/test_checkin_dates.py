"""The date of a check-in is the patient's local date: not after their local today, at most
30 days back, not before the episode's onset, and only with an active episode."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.checkins.models import CheckIn
from apps.episodes.models import EpisodeStatus
from tests.checkins.conftest import TODAY
from tests.checkins.factories import checkin_payload
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


def post(client, day: dt.date):
    return client.post(URL, checkin_payload(day), format="json")


def test_todays_date_is_accepted(patient_client, episode):
    assert post(patient_client, TODAY).status_code == 201


def test_tomorrow_is_refused_on_date(patient_client, episode):
    response = post(patient_client, TODAY + dt.timedelta(days=1))

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "date": ["Cannot be after today (2026-03-10 in Europe/London)."]
    }
    assert CheckIn.objects.count() == 0


def test_thirty_days_back_is_accepted(patient_client, episode):
    assert post(patient_client, TODAY - dt.timedelta(days=30)).status_code == 201


def test_thirty_one_days_back_is_refused(patient_client, episode):
    response = post(patient_client, TODAY - dt.timedelta(days=31))

    assert response.status_code == 400
    assert response.json()["errors"] == {"date": ["Cannot be more than 30 days ago."]}
    assert CheckIn.objects.count() == 0


def test_onset_date_itself_is_accepted_and_the_day_before_is_refused(patient, patient_client):
    onset = TODAY - dt.timedelta(days=5)
    EpisodeFactory(patient=patient, symptom_onset_date=onset)

    before = post(patient_client, onset - dt.timedelta(days=1))
    assert before.status_code == 400
    assert before.json()["errors"] == {
        "date": ["Cannot be before the episode's symptom onset (2026-03-05)."]
    }
    assert post(patient_client, onset).status_code == 201


def test_checkin_without_an_active_episode_is_refused(patient, patient_client):
    EpisodeFactory(
        patient=patient,
        symptom_onset_date=TODAY - dt.timedelta(days=90),
        status=EpisodeStatus.RESOLVED,
        resolved_on=TODAY - dt.timedelta(days=2),
    )

    response = post(patient_client, TODAY)

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": ["There is no active episode to attach this check-in to."]
    }
    assert CheckIn.objects.count() == 0


def test_checkin_attaches_to_the_active_episode(patient, patient_client, episode):
    response = post(patient_client, TODAY)

    assert response.json()["episode"] == str(episode.id)
    assert response.json()["patient"] == str(patient.id)


def test_auckland_today_is_accepted_while_it_is_still_yesterday_in_utc(patient, patient_client):
    # 2026-03-10 11:30 UTC is 2026-03-11 00:30 in Auckland (NZDT, UTC+13).
    patient.timezone = "Pacific/Auckland"
    patient.save()
    EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 2, 1))
    auckland_today = dt.date(2026, 3, 11)

    with time_machine.travel(dt.datetime(2026, 3, 10, 11, 30, tzinfo=dt.UTC), tick=False):
        accepted = post(patient_client, auckland_today)
        refused = post(patient_client, auckland_today + dt.timedelta(days=1))

    assert accepted.status_code == 201, accepted.json()
    assert refused.status_code == 400
    assert refused.json()["errors"]["date"] == [
        "Cannot be after today (2026-03-11 in Pacific/Auckland)."
    ]


def test_honolulu_patient_cannot_send_the_utc_date_that_is_still_tomorrow_for_them(
    patient, patient_client
):
    # 2026-03-10 05:00 UTC is 2026-03-09 19:00 in Honolulu (UTC-10).
    patient.timezone = "Pacific/Honolulu"
    patient.save()
    EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 2, 1))

    with time_machine.travel(dt.datetime(2026, 3, 10, 5, 0, tzinfo=dt.UTC), tick=False):
        refused = post(patient_client, dt.date(2026, 3, 10))
        accepted = post(patient_client, dt.date(2026, 3, 9))

    assert refused.status_code == 400
    assert accepted.status_code == 201


def test_thirty_day_window_counts_calendar_days_across_a_daylight_saving_change(
    patient, patient_client
):
    # London springs forward on 2026-03-29: the 30 days back from 2026-04-05 span 23-hour
    # day, and still end on 2026-03-06 exactly.
    EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 1, 1))

    with time_machine.travel(dt.datetime(2026, 4, 5, 0, 30, tzinfo=dt.UTC), tick=False):
        # 01:30 BST on 2026-04-05 local.
        accepted = post(patient_client, dt.date(2026, 3, 6))
        refused = post(patient_client, dt.date(2026, 3, 5))

    assert accepted.status_code == 201, accepted.json()
    assert refused.status_code == 400
