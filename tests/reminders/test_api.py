from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from apps.notifications.models import NotificationPreference
from apps.reminders.models import ReminderSettings
from tests.notifications.factories import ActivePatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC)

VALID = {
    "checkin_time": "20:30",
    "exercise_time": "10:00",
    "channels": ["push", "sms"],
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "06:30",
    "enabled": True,
    "phone_number": "+447700900123",
}


@pytest.fixture
def client(api_client):
    patient = ActivePatientFactory(timezone="Europe/London")
    api_client.force_authenticate(patient.user)
    api_client.patient = patient
    return api_client


@time_machine.travel(NOW, tick=False)
def test_a_patient_without_settings_sees_the_defaults(client):
    response = client.get("/api/v1/me/reminders/")

    assert response.status_code == 200
    assert response.json() == {
        "checkin_time": "19:00",
        "exercise_time": None,
        "channels": ["push"],
        "quiet_hours_start": "23:00",
        "quiet_hours_end": "07:00",
        "enabled": True,
        "checkins_after_resolution": False,
        "phone_number": "",
        "timezone": "Europe/London",
        "next_checkin_reminder_at": None,
    }
    assert not ReminderSettings.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_put_stores_the_settings_and_reschedules(client):
    response = client.put("/api/v1/me/reminders/", VALID, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert {key: body[key] for key in VALID} == VALID
    # 20:30 BST on 10 June
    assert body["next_checkin_reminder_at"] == "2026-06-10T19:30:00Z"
    preference = NotificationPreference.objects.get(user=client.patient.user)
    client.patient.refresh_from_db()
    # The number is the patient's phone (the one stored number, docs/notifications.md).
    assert (client.patient.phone, preference.channels) == ("+447700900123", ["push", "sms"])


@time_machine.travel(NOW, tick=False)
def test_put_without_phone_number_keeps_the_stored_one(client):
    client.put("/api/v1/me/reminders/", VALID, format="json")
    payload = {k: v for k, v in VALID.items() if k != "phone_number"}

    response = client.put("/api/v1/me/reminders/", payload, format="json")

    assert response.json()["phone_number"] == "+447700900123"


@time_machine.travel(NOW, tick=False)
def test_switching_reminders_off_clears_the_next_reminder(client):
    client.put("/api/v1/me/reminders/", VALID, format="json")

    response = client.put("/api/v1/me/reminders/", {**VALID, "enabled": False}, format="json")

    assert response.json()["next_checkin_reminder_at"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checkin_time": "7pm"}, "checkin_time"),
        ({"checkin_time": "25:00"}, "checkin_time"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"quiet_hours_end": None}, "quiet_hours_end"),
        ({"quiet_hours_end": "22:00"}, "quiet_hours_end"),
        ({"phone_number": "07700 900123"}, "phone_number"),
        ({"phone_number": "", "channels": ["sms"]}, "phone_number"),
        ({"enabled": None}, "enabled"),
    ],
)
@time_machine.travel(NOW, tick=False)
def test_bad_settings_are_a_400_naming_the_field_and_change_nothing(client, change, field):
    response = client.put("/api/v1/me/reminders/", {**VALID, **change}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not ReminderSettings.objects.exists()
    assert not NotificationPreference.objects.exists()
    client.patient.refresh_from_db()
    assert client.patient.phone == ""


def test_staff_have_no_reminders(physio_client):
    assert physio_client.get("/api/v1/me/reminders/").status_code == 404
    assert physio_client.put("/api/v1/me/reminders/", VALID, format="json").status_code == 404
