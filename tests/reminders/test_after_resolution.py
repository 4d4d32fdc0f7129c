"""After the episode is resolved, daily check-in reminders stop unless the patient asked for
them (``checkins_after_resolution``); exercise reminders are not check-in reminders."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.episodes.models import EpisodeStatus
from apps.reminders.models import ReminderSettings
from tests.notifications.doubles import fcm
from tests.reminders.test_claim import DAY, MORNING, at, checkin_on, delivery, sent_kinds

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolved_patient(reminded_patient):
    patient = reminded_patient("Europe/London", now=MORNING)
    checkin_on(patient, DAY - dt.timedelta(days=1))
    patient.episodes.update(status=EpisodeStatus.RESOLVED, resolved_on=DAY - dt.timedelta(days=1))
    return patient


def test_no_checkin_reminder_after_resolution(tick, resolved_patient):
    tick(at(18, 0))

    assert fcm.sent == []
    assert (delivery(resolved_patient).outcome, delivery(resolved_patient).reason) == (
        "skipped",
        "episode_resolved",
    )


def test_checkin_reminders_continue_when_the_patient_asked(tick, resolved_patient):
    ReminderSettings.objects.update_or_create(
        patient=resolved_patient,
        defaults={"checkin_time": dt.time(19, 0), "checkins_after_resolution": True},
    )

    tick(at(18, 0))

    assert sent_kinds() == ["checkin"]


def test_an_active_episode_after_a_resolved_one_is_reminded(tick, resolved_patient):
    resolved_patient.episodes.create(
        affected_side="right", symptom_onset_date=DAY - dt.timedelta(days=3)
    )

    tick(at(18, 0))

    assert sent_kinds() == ["checkin"]


def test_put_me_reminders_sets_and_keeps_the_choice(api_client, resolved_patient):
    api_client.force_authenticate(resolved_patient.user)
    body = {"checkin_time": "19:00", "channels": ["push"], "enabled": True}
    response = api_client.put(
        "/api/v1/me/reminders/", {**body, "checkins_after_resolution": True}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["checkins_after_resolution"] is True
    # Omitted: unchanged.
    response = api_client.put("/api/v1/me/reminders/", body, format="json")
    assert response.json()["checkins_after_resolution"] is True
