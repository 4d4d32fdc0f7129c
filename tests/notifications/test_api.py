from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.notifications.models import Device
from apps.notifications.services import notify
from tests.notifications.factories import (
    ActivePatientFactory,
    DeviceFactory,
    NotificationFactory,
    PreferenceFactory,
)

pytestmark = pytest.mark.django_db


def test_registering_a_token_creates_a_device(patient_client, patient):
    response = patient_client.post("/api/v1/devices/", {"platform": "ios", "token": "abc"})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["platform"], body["token"], body["is_active"]) == ("ios", "abc", True)
    assert Device.objects.get(pk=body["id"]).user == patient.user


def test_registering_the_same_token_again_returns_the_stored_device(patient_client):
    first = patient_client.post("/api/v1/devices/", {"platform": "ios", "token": "abc"})
    second = patient_client.post("/api/v1/devices/", {"platform": "ios", "token": "abc"})

    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Device.objects.count() == 1


def test_a_token_another_user_had_moves_to_the_caller_and_is_reenabled(patient_client, patient):
    other = DeviceFactory(token="shared", is_active=False, disabled_reason="UnregisteredError")

    response = patient_client.post("/api/v1/devices/", {"platform": "android", "token": "shared"})

    assert response.status_code == 200
    other.refresh_from_db()
    assert (other.user, other.is_active, other.disabled_reason) == (patient.user, True, "")


@pytest.mark.parametrize(
    "payload",
    [{"platform": "windows", "token": "x"}, {"platform": "ios"}, {"platform": "ios", "token": ""}],
)
def test_bad_device_registration_is_a_400_with_field_errors(patient_client, payload):
    response = patient_client.post("/api/v1/devices/", payload, format="json")

    assert response.status_code == 400
    assert set(response.json()["errors"]) <= {"platform", "token"}
    assert Device.objects.count() == 0


def test_devices_list_shows_only_my_devices(patient_client, patient):
    mine = DeviceFactory(user=patient.user)
    DeviceFactory()

    response = patient_client.get("/api/v1/devices/")

    assert [item["id"] for item in response.json()["results"]] == [str(mine.pk)]


def test_deleting_my_device_removes_it(patient_client, patient):
    device = DeviceFactory(user=patient.user)

    assert patient_client.delete(f"/api/v1/devices/{device.pk}/").status_code == 204
    assert not Device.objects.filter(pk=device.pk).exists()


def test_deleting_someone_elses_device_is_a_404_and_keeps_it(patient_client):
    device = DeviceFactory()

    assert patient_client.delete(f"/api/v1/devices/{device.pk}/").status_code == 404
    assert Device.objects.filter(pk=device.pk).exists()


@time_machine.travel(dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False)
def test_my_notifications_list_what_was_sent_on_which_channel(
    django_capture_on_commit_callbacks,
):
    patient = ActivePatientFactory()
    PreferenceFactory(user=patient.user)
    DeviceFactory(user=patient.user)
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=patient.user, kind="reminder.checkin", title="T", body="B", dedup_key="a")
    NotificationFactory()  # someone else's
    client = APIClient()
    client.force_authenticate(patient.user)

    response = client.get("/api/v1/me/notifications/")

    assert response.status_code == 200
    [item] = response.json()["results"]
    assert item["kind"] == "reminder.checkin"
    assert item["status"] == "sent"
    assert item["sent_at"] == "2026-06-10T12:00:00Z"
    assert item["channels_sent"] == ["push"]
    assert [(d["channel"], d["outcome"]) for d in item["deliveries"]] == [("push", "sent")]


def test_my_notifications_list_takes_a_fixed_number_of_queries(
    patient_client, patient, django_assert_num_queries
):
    for _ in range(30):
        NotificationFactory(recipient=patient.user)

    # count, page, attempts prefetch
    with django_assert_num_queries(3):
        response = patient_client.get("/api/v1/me/notifications/")
    assert response.json()["count"] == 30


def test_opening_a_notification_records_the_first_open(patient_client, patient):
    notification = NotificationFactory(recipient=patient.user)

    with time_machine.travel(dt.datetime(2026, 6, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        first = patient_client.post(f"/api/v1/me/notifications/{notification.pk}/opened/")
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC), tick=False):
        again = patient_client.post(f"/api/v1/me/notifications/{notification.pk}/opened/")

    assert first.status_code == 200
    assert first.json()["opened_at"] == "2026-06-10T08:00:00Z"
    assert again.json()["opened_at"] == "2026-06-10T08:00:00Z"


def test_opening_someone_elses_notification_is_a_404(patient_client):
    notification = NotificationFactory()

    response = patient_client.post(f"/api/v1/me/notifications/{notification.pk}/opened/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.opened_at is None


def test_devices_need_authentication(api_client):
    assert api_client.get("/api/v1/devices/").status_code == 401
