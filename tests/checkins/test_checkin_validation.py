"""Every field rule of a check-in, at its boundary: the value on the edge is accepted, the
one past it is refused with an error on that field, and nothing is stored."""

from __future__ import annotations

import pytest

from apps.checkins.models import CheckIn
from tests.checkins.conftest import TODAY
from tests.checkins.factories import checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


def post(client, **overrides):
    return client.post(URL, checkin_payload(TODAY, **overrides), format="json")


@pytest.mark.parametrize(
    ("field", "accepted", "refused"),
    [
        ("pain_now", 10, 11),
        ("pain_now", 0, -1),
        ("pain_worst_24h", 10, 11),
        ("pain_worst_24h", 0, -1),
        ("pain_weight_bearing", 10, 11),
        ("pain_weight_bearing", 0, -1),
        ("morning_stiffness_minutes", 1440, 1441),
        ("morning_stiffness_minutes", 0, -1),
        ("steps", 200_000, 200_001),
        ("steps", 0, -1),
    ],
)
def test_numeric_field_is_accepted_at_its_bound_and_refused_past_it(
    patient_client, episode, field, accepted, refused
):
    refused_response = post(patient_client, **{field: refused})
    assert refused_response.status_code == 400
    assert list(refused_response.json()["errors"]) == [field]
    assert CheckIn.objects.count() == 0

    accepted_response = post(patient_client, **{field: accepted})
    assert accepted_response.status_code == 201, accepted_response.json()
    assert accepted_response.json()[field] == accepted


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight_bearing", "some"),
        ("walking_aid", "skateboard"),
        ("painful_sides", ["left", "middle"]),
        ("painful_sides", ["left", "left"]),
        ("painful_sides", "left"),
        ("red_flags", ["fall_or_injury", "headache"]),
        ("red_flags", ["fever_or_unwell", "fever_or_unwell"]),
        ("sleep_disturbed", "perhaps"),
        ("pain_now", "seven"),
        ("pain_now", 3.5),
        ("client_id", "not-a-uuid"),
        ("date", "10/03/2026"),
        ("recorded_at", "2026-03-10T08:00:00"),
        ("recorded_at", "yesterday"),
        ("notes", "x" * 2001),
    ],
)
def test_unknown_or_malformed_value_is_a_field_error_and_stores_nothing(
    patient_client, episode, field, value
):
    response = post(patient_client, **{field: value})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert response.json()["code"] == "invalid"
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize(
    "field",
    [
        "client_id",
        "date",
        "pain_now",
        "pain_worst_24h",
        "morning_stiffness_minutes",
        "sleep_disturbed",
        "daily_activities_affected",
        "weight_bearing",
        "night_or_rest_pain",
        "walking_aid",
        "limping",
        "painful_sides",
        "red_flags",
        "recorded_at",
    ],
)
def test_required_field_missing_is_a_field_error(patient_client, episode, field):
    body = checkin_payload(TODAY)
    del body[field]

    response = patient_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert CheckIn.objects.count() == 0


@pytest.mark.parametrize("field", ["pain_weight_bearing", "steps", "notes"])
def test_optional_field_may_be_left_out(patient_client, episode, field):
    body = checkin_payload(TODAY)
    del body[field]

    response = patient_client.post(URL, body, format="json")

    assert response.status_code == 201, response.json()


def test_every_listed_red_flag_and_both_sides_are_accepted(patient_client, episode):
    red_flags = [
        "fall_or_injury",
        "fever_or_unwell",
        "hip_hot_or_swollen",
        "skin_colour_change",
        "numbness_or_tingling",
        "leg_short_or_turned_out",
    ]
    response = post(patient_client, red_flags=red_flags, painful_sides=["left", "right"])

    assert response.status_code == 201, response.json()
    stored = CheckIn.objects.get()
    assert stored.red_flags == red_flags
    assert stored.painful_sides == ["left", "right"]


def test_recorded_at_with_offset_is_stored_as_the_same_instant_in_utc(patient_client, episode):
    response = post(patient_client, recorded_at="2026-03-10T08:30:00+13:00")

    assert response.status_code == 201
    assert response.json()["recorded_at"] == "2026-03-09T19:30:00Z"


def test_server_stamps_received_at_with_its_own_clock(patient_client, episode):
    response = post(patient_client, recorded_at="2026-03-01T08:30:00+00:00")

    assert response.json()["received_at"] == "2026-03-10T12:00:00Z"


def test_error_lists_every_bad_field_at_once(patient_client, episode):
    response = post(patient_client, pain_now=11, walking_aid="skateboard")

    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["pain_now", "walking_aid"]


def test_body_that_is_not_an_object_is_refused_with_400(patient_client, episode):
    response = patient_client.post(URL, [1, 2], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
