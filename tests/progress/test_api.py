"""`GET me/progress/` over the API (API.md, "Patient progress")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.reminders.models import ReminderSettings
from tests.dashboard.factories import FlagFactory
from tests.progress.conftest import TODAY, course, ramp

URL = "/api/v1/me/progress/"
pytestmark = pytest.mark.django_db


def _get(client_of, patient):
    response = client_of(patient).get(URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_every_field_of_the_contract(client_of, new_patient):
    patient = new_patient()
    course(patient, week=14, pains=[6] * 7 + [4] * 7)
    body = _get(client_of, patient)
    assert set(body) >= {
        "weeks_since_onset",
        "phase",
        "phase_reason",
        "pain_7d_mean",
        "pain_7d_change",
        "adherence_7d",
        "latest_scores",
        "expected_course",
        "message",
        "next",
    }
    assert set(body["expected_course"]) >= {"week", "median_pain", "band", "source", "n"}
    assert set(body["next"]) == {"checkin_due_at", "questionnaires_due"}
    assert body["latest_scores"] == []  # no questionnaire answered yet
    # What is due is exactly `GET me/questionnaires/` (tests/progress/test_outcomes.py).
    assert (
        body["next"]["questionnaires_due"]
        == client_of(patient).get("/api/v1/me/questionnaires/").json()
    )


def test_patients_at_different_weeks_get_different_phases_and_messages(client_of, new_patient):
    early, peak, easing = new_patient(), new_patient(), new_patient()
    course(early, week=2, pains=ramp(2, 6, 14))
    course(peak, week=10, pains=[7] * 14)
    course(easing, week=14, pains=[6] * 7 + [3] * 7)
    bodies = {
        name: _get(client_of, p)
        for name, p in [("early", early), ("peak", peak), ("easing", easing)]
    }
    assert {name: body["phase"] for name, body in bodies.items()} == {
        "early": "building",
        "peak": "peak",
        "easing": "easing",
    }
    assert len({body["message"] for body in bodies.values()}) == 3
    assert bodies["easing"]["message"].startswith("Week 14. Your pain has eased")
    assert (
        "past their worst by now and recover within 6 to 12 months" in bodies["easing"]["message"]
    )
    assert bodies["easing"]["pain_7d_mean"] == 3.0
    assert bodies["easing"]["pain_7d_change"] == -3.0
    assert bodies["early"]["message"].startswith("Week 2. Your pain has gone up")
    for body in bodies.values():
        assert body["expected_course"]["source"] == "published"
        assert body["expected_course"]["n"] == 33
        assert body["expected_course"]["median_pain"] is None


def test_two_checkins_is_unknown_with_the_reason(client_of, new_patient):
    patient = new_patient()
    course(patient, week=5, pains=[5, 6])
    body = _get(client_of, patient)
    assert body["phase"] == "unknown"
    assert body["phase_code"] == "too_few_checkins"
    assert "Only 2 check-ins in the last 14 days" in body["phase_reason"]
    assert body["phase_reason"] in body["message"]


def test_an_open_emergency_flag_comes_first(client_of, new_patient):
    patient = new_patient()
    episode = course(patient, week=14, pains=[6] * 7 + [3] * 7)
    FlagFactory(episode=episode, rule="fall_or_injury", severity="emergency", opened_for_date=TODAY)
    FlagFactory(episode=episode, rule="pain_worsening", severity="soon", opened_for_date=TODAY)
    message = _get(client_of, patient)["message"]
    assert message.startswith("Please read this first: You reported a fall or injury. Call 999")
    assert "past their worst" not in message  # no reassurance with emergency advice open
    assert message.endswith(
        "There is advice for you in the app about your recent answers: please read it."
    )


def test_resolved_episode_says_the_monthly_check_continues(client_of, new_patient):
    patient = new_patient()
    course(
        patient,
        week=30,
        pains=[1] * 10,
        status="resolved",
        resolved_on=TODAY - dt.timedelta(days=2),
    )
    body = _get(client_of, patient)
    assert body["phase"] == "resolved"
    assert "monthly joint check continues for 24 months" in body["message"]
    assert "8 Mar 2026" in body["message"]
    assert "reminders have stopped" in body["message"]
    assert body["next"]["checkin_due_at"] is None


def test_resolved_with_checkin_reminders_asked_for(client_of, new_patient):
    patient = new_patient()
    course(patient, week=30, pains=[1] * 3, status="resolved", resolved_on=TODAY)
    ReminderSettings.objects.create(
        patient=patient, checkin_time=dt.time(19, 0), checkins_after_resolution=True
    )
    body = _get(client_of, patient)
    assert "Daily check-in reminders continue, as you asked." in body["message"]
    assert body["next"]["checkin_due_at"] == "2026-03-11T19:00:00Z"  # checked in today


def test_checkin_due_today_in_the_patients_zone_until_done(client_of, new_patient):
    patient = new_patient(timezone="America/New_York")
    course(patient, week=5, pains=[5])
    patient.checkins.filter(date=TODAY).delete()
    ReminderSettings.objects.create(patient=patient, checkin_time=dt.time(8, 30))
    body = _get(client_of, patient)
    # 08:30 in New York on 10 March 2026 (EDT from 8 March): 12:30 UTC.
    assert body["next"]["checkin_due_at"] == "2026-03-10T12:30:00Z"


def test_no_episode(client_of, new_patient):
    body = _get(client_of, new_patient())
    assert body["phase"] == "unknown"
    assert body["weeks_since_onset"] is None
    assert body["expected_course"] is None


def test_staff_may_not(api_client, physio):
    api_client.force_authenticate(physio)
    assert api_client.get(URL).status_code == 403


def test_query_count_does_not_grow_with_the_record(client_of, new_patient):
    short, long = new_patient(), new_patient()
    course(short, week=3, pains=[4] * 14)
    episode = course(long, week=40, pains=ramp(2, 8, 140) + ramp(8, 3, 140))
    FlagFactory(episode=episode, rule="pain_worsening", severity="soon", opened_for_date=TODAY)
    counts = []
    for patient in (short, long):
        client = client_of(patient)
        client.get(URL)  # warm caches (content types, the expected course)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
