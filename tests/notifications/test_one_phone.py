"""One phone number per patient: ``Patient.phone`` (apps.accounts) is the only stored number.
The care team sees and calls it (`phone` of `GET me/`, `POST patients/`, the patient page),
SMS goes to its E.164 form (`phone_number` of `GET/PUT me/reminders/`), exports carry it and
erasure removes it (docs/notifications.md, "One phone number")."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib import admin
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import RequestFactory
from django.utils import timezone

from apps.accounts.hooks import patient_phone_changed
from apps.accounts.models import Patient, phone_for_sms
from apps.notifications.models import NotificationPreference
from apps.notifications.services import notify, sms_follows_phone
from apps.privacy.erasure import patient_erase
from apps.privacy.fhir import patient_bundle
from tests.accounts.factories import ClinicAdminFactory, UserFactory
from tests.notifications.doubles import twilio_http
from tests.notifications.factories import ActivePatientFactory, PreferenceFactory

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)
REMINDERS = {
    "checkin_time": "20:30",
    "channels": ["push", "sms"],
    "quiet_hours_start": "22:00",
    "quiet_hours_end": "06:30",
    "enabled": True,
}


@pytest.fixture
def patient(db):
    return ActivePatientFactory(timezone="Europe/London")


@pytest.fixture
def client(api_client, patient):
    api_client.force_authenticate(patient.user)
    return api_client


def sms_sent_to() -> list[str]:
    return [request["data"]["To"] for request in twilio_http.requests]


def test_the_preference_holds_no_phone_of_its_own():
    assert "phone_number" not in {f.name for f in NotificationPreference._meta.get_fields()}


@pytest.mark.parametrize(
    ("typed", "sms"),
    [("+44 7700 900123", "+447700900123"), ("+1 (555) 010-9999", "+15550109999"), ("", "")],
)
def test_the_sms_form_of_a_phone_drops_the_separators(typed, sms):
    assert phone_for_sms(typed) == sms


@time_machine.travel(NOW, tick=False)
def test_the_number_set_for_sms_is_the_phone_the_care_team_sees(client, patient):
    response = client.put(
        "/api/v1/me/reminders/", {**REMINDERS, "phone_number": "+447700900123"}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["phone_number"] == "+447700900123"
    assert client.get("/api/v1/me/").json()["phone"] == "+447700900123"
    patient.refresh_from_db()
    assert patient.phone == "+447700900123"


@time_machine.travel(NOW, tick=False)
def test_the_phone_set_in_the_profile_is_where_sms_goes(
    client, patient, django_capture_on_commit_callbacks
):
    twilio_http.reset()
    client.patch("/api/v1/me/", {"phone": "+44 7700 900123"}, format="json")
    PreferenceFactory(user=patient.user, channels=["sms"])

    reminders = client.get("/api/v1/me/reminders/").json()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=patient.user, kind="k", title="T", body="B", dedup_key="one")

    assert reminders["phone_number"] == "+447700900123"
    assert sms_sent_to() == ["+447700900123"]


@time_machine.travel(NOW, tick=False)
def test_sms_is_refused_without_a_phone_and_accepted_with_the_profiles(client, patient):
    refused = client.put("/api/v1/me/reminders/", REMINDERS, format="json")
    client.patch("/api/v1/me/", {"phone": "+44 7700 900123"}, format="json")
    accepted = client.put("/api/v1/me/reminders/", REMINDERS, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["phone_number"]
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["phone_number"] == "+447700900123"


@time_machine.travel(NOW, tick=False)
def test_the_sms_form_sent_back_keeps_the_phone_as_typed_and_a_refusal_stands(client, patient):
    client.patch("/api/v1/me/", {"phone": "+44 7700 900123"}, format="json")
    PreferenceFactory(user=patient.user, channels=["sms"], sms_disabled_at=NOW)
    read_back = client.get("/api/v1/me/reminders/").json()["phone_number"]

    response = client.put(
        "/api/v1/me/reminders/", {**REMINDERS, "phone_number": read_back}, format="json"
    )

    assert response.status_code == 200, response.json()
    patient.refresh_from_db()
    assert patient.phone == "+44 7700 900123"
    assert NotificationPreference.objects.get(user=patient.user).sms_disabled_at == NOW


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("where", ["profile", "reminders"])
def test_a_new_number_lifts_a_providers_refusal(client, patient, where):
    PreferenceFactory(user=patient.user, channels=["push"], sms_disabled_at=NOW)

    if where == "profile":
        response = client.patch("/api/v1/me/", {"phone": "+44 7700 900999"}, format="json")
    else:
        response = client.put(
            "/api/v1/me/reminders/", {**REMINDERS, "phone_number": "+447700900999"}, format="json"
        )

    assert response.status_code == 200, response.json()
    assert NotificationPreference.objects.get(user=patient.user).sms_disabled_at is None


def test_notifications_follow_the_patients_phone():
    assert sms_follows_phone in patient_phone_changed.listeners


def test_a_phone_changed_in_the_admin_lifts_a_refusal(patient):
    PreferenceFactory(user=patient.user, channels=["sms"], sms_disabled_at=timezone.now())
    patient_admin = admin.site._registry[Patient]
    request = RequestFactory().post("/admin/")
    request.user = UserFactory(is_superuser=True, is_staff=True)
    patient.phone = "+44 7700 900999"

    patient_admin.save_model(request, patient, SimpleNamespace(changed_data=["phone"]), True)

    assert Patient.objects.get(pk=patient.pk).phone == "+44 7700 900999"
    assert NotificationPreference.objects.get(user=patient.user).sms_disabled_at is None


@time_machine.travel(NOW, tick=False)
def test_the_export_carries_the_sms_number_and_erasure_removes_it(client, patient):
    client.put(
        "/api/v1/me/reminders/", {**REMINDERS, "phone_number": "+447700900123"}, format="json"
    )
    patient.refresh_from_db()

    phones = [
        point
        for entry in patient_bundle(patient)["entry"]
        if entry["resource"]["resourceType"] == "Patient"
        for point in entry["resource"]["telecom"]
        if point["system"] == "phone"
    ]
    assert phones == [{"system": "phone", "value": "+447700900123", "use": "mobile"}]

    by = ClinicAdminFactory(clinic=patient.care_team.clinic)
    patient_erase(patient=patient, by=by, confirmation=patient.user.email)

    assert not Patient.objects.filter(phone="+447700900123").exists()
    assert not NotificationPreference.objects.filter(user_id=patient.user_id).exists()


# --- The data migration (notifications 0002) ---------------------------------------------------

BEFORE = [("notifications", "0001_initial"), ("accounts", "0007_patient_phone_is_the_sms_number")]
AFTER = [("notifications", "0002_phone_number_moves_to_the_patient")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_number_preferring_the_one_sms_used():
    patients = {
        key: ActivePatientFactory(phone=phone)
        for key, phone in [
            ("only_sms", ""),
            ("same_number", "+44 7700 900123"),
            ("two_numbers", "+44 20 7946 0958"),
            ("only_care_team", "+33 1 23 45 67 89"),
            ("no_preference", "+34 600 000 000"),
        ]
    }
    sms_numbers = {
        "only_sms": "+447700900001",
        "same_number": "+447700900123",
        "two_numbers": "+447700900777",
        "only_care_team": "",
    }
    try:
        old = migrate(BEFORE)
        OldPreference = old.get_model("notifications", "NotificationPreference")
        for key, number in sms_numbers.items():
            OldPreference.objects.create(
                user_id=patients[key].user_id, channels=["sms"], phone_number=number
            )

        migrate(AFTER)
        phones = {key: Patient.objects.get(pk=p.pk).phone for key, p in patients.items()}
        assert phones == {
            "only_sms": "+447700900001",
            "same_number": "+44 7700 900123",  # the same number: kept as typed
            "two_numbers": "+447700900777",  # the one SMS went to
            "only_care_team": "+33 1 23 45 67 89",
            "no_preference": "+34 600 000 000",
        }

        old = migrate(BEFORE)  # backward: the SMS number back on each stored preference
        OldPreference = old.get_model("notifications", "NotificationPreference")
        back = dict(OldPreference.objects.values_list("user_id", "phone_number"))
        assert back == {
            patients["only_sms"].user_id: "+447700900001",
            patients["same_number"].user_id: "+447700900123",
            patients["two_numbers"].user_id: "+447700900777",
            patients["only_care_team"].user_id: "+33123456789",
        }
    finally:
        migrate(AFTER)


@pytest.mark.django_db(transaction=True)
def test_the_migration_stops_rather_than_drop_a_staff_number():
    staff = UserFactory(role="physiotherapist")
    try:
        old = migrate(BEFORE)
        old.get_model("notifications", "NotificationPreference").objects.create(
            user_id=staff.pk, channels=["sms"], phone_number="+447700900123"
        )
        with pytest.raises(RuntimeError, match="1 notification preference"):
            migrate(AFTER)
    finally:
        old = migrate(BEFORE)
        old.get_model("notifications", "NotificationPreference").objects.all().delete()
        migrate(AFTER)
