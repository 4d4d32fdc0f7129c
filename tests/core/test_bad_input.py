"""The bad inputs of the outside security test (issue 13, "What was seen"), each answered 4xx in
the one error shape, with nothing stored."""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from apps.exercises.models import ExercisePlan, ExerciseSession
from tests.checkins.factories import checkin_payload
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import ExerciseFactory, PlanItemFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episode(patient):
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))


def assert_error_shape(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    # A rewritten body keeps no stale length: a phone reading Content-Length bytes would hang or
    # fail on a truncated read (the HTML 404's length was sent with the JSON body).
    if response.has_header("Content-Length"):
        assert int(response["Content-Length"]) == len(response.content)
    body = response.json()
    assert set(body) >= {"errors", "code"}
    assert isinstance(body["code"], str)
    for messages in body["errors"].values():
        assert messages
        assert all(isinstance(message, str) for message in messages)
    if field is not None:
        assert field in body["errors"], body
    return body


# --- Bounded parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/checkins/"),
        ("post", "/api/v1/sync/"),
        ("patch", "/api/v1/me/"),
        ("post", "/api/v1/auth/token/"),
    ],
)
def test_json_nested_100000_deep_is_a_400_not_a_recursion_error(
    patient_client, episode, method, url
):
    response = getattr(patient_client, method)(url, DEEP, content_type="application/json")

    body = assert_error_shape(response, 400, "non_field_errors")
    assert body["code"] == "too_deep"
    assert CheckIn.objects.count() == 0


def test_nesting_within_the_limit_is_parsed(patient_client, settings):
    settings.API_JSON_MAX_DEPTH = 3
    brackets_in_strings = {"first_name": "[[[[[[{{{{ \\" + '"[[[['}

    accepted = patient_client.patch("/api/v1/me/", brackets_in_strings, format="json")
    refused = patient_client.patch("/api/v1/me/", {"a": [[[1]]]}, format="json")

    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["first_name"] == brackets_in_strings["first_name"]
    assert assert_error_shape(refused, 400)["code"] == "too_deep"


def test_deep_json_is_refused_under_the_production_settings():
    """The production settings module, in its own process (it refuses to start without a secret
    key and hosts, which the environment gives it)."""
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "deep = '[' * 100_000 + ']' * 100_000\n"
        "r = Client().post('/api/v1/auth/token/', deep, content_type='application/json',"
        " secure=True)\n"
        "print(r.status_code, r['Content-Type'], r.json()['code'])\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["400", "application/json", "too_deep"]


def test_a_20_mb_body_is_a_json_413(patient_client, episode):
    body = b'{"notes": "' + b"x" * 20_000_000 + b'"}'

    response = patient_client.post("/api/v1/checkins/", body, content_type="application/json")

    assert assert_error_shape(response, 413)["code"] == "too_large"
    assert CheckIn.objects.count() == 0


def test_a_body_over_the_api_limit_is_a_413_from_the_parser(patient_client, episode, settings):
    settings.API_JSON_MAX_BYTES = 1000
    payload = checkin_payload(TODAY, notes="x" * 1200)

    response = patient_client.post("/api/v1/checkins/", payload, format="json")

    assert assert_error_shape(response, 413)["code"] == "too_large"
    assert CheckIn.objects.count() == 0


def test_nan_is_not_json(patient_client, episode):
    body = '{"pain_now": NaN}'
    response = patient_client.post("/api/v1/checkins/", body, content_type="application/json")
    assert assert_error_shape(response, 400)["code"] == "parse_error"


# --- One JSON error shape for every answer under /api/ ---------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/no-such-thing/",
        "/api/v1/patients/not-a-uuid/",
        "/api/v1/episodes/123/adherence/",
        "/api/nothing",
    ],
)
def test_unknown_paths_and_malformed_ids_are_json_404s(patient_client, url):
    assert assert_error_shape(patient_client.get(url), 404)["code"] == "not_found"


@pytest.mark.parametrize("debug", [True, False])
def test_a_json_404_is_sent_with_its_own_length_in_debug_and_production(
    patient_client, settings, debug
):
    # `make run` serves with DEBUG on, where Django's 404 is a 25 kB technical page.
    settings.DEBUG = debug
    response = patient_client.get("/api/v1/no-such-thing/")
    assert assert_error_shape(response, 404)["code"] == "not_found"
    assert int(response["Content-Length"]) == len(response.content)


def test_pages_outside_the_api_keep_django_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_is_a_json_405(patient_client):
    response = patient_client.put("/api/v1/checkins/", {}, format="json")
    assert assert_error_shape(response, 405)["code"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_a_form_body_is_a_json_415(patient_client, episode):
    response = patient_client.post(
        "/api/v1/checkins/", "pain_now=3", content_type="application/x-www-form-urlencoded"
    )
    assert assert_error_shape(response, 415)["code"] == "unsupported_media_type"
    assert CheckIn.objects.count() == 0


def test_a_server_fault_is_a_json_500_without_detail_and_logged_without_values(
    patient_client, patient, monkeypatch, caplog
):
    from apps.accounts.api import serializers

    secret = f"{patient.user.last_name}, born {patient.date_of_birth}"

    def explode(*args, **kwargs):
        raise ValueError(secret)

    monkeypatch.setattr(serializers.MeSerializer, "to_representation", explode)
    patient_client.raise_request_exception = False

    with caplog.at_level(logging.ERROR):
        response = patient_client.get("/api/v1/me/")

    body = assert_error_shape(response, 500)
    assert body == {
        "errors": {"non_field_errors": ["A server error occurred."]},
        "code": "server_error",
    }
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ValueError" in logged
    assert "/me/" in logged
    assert patient.user.last_name not in logged
    assert str(patient.date_of_birth) not in logged


def test_throttled_answer_is_a_json_429_with_retry_after(patient_client, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"writes": "1/minute", "auth": "1000/minute"}
    )
    patient_client.patch("/api/v1/me/", {"first_name": "A"}, format="json")

    throttled = patient_client.patch("/api/v1/me/", {"first_name": "B"}, format="json")

    assert assert_error_shape(throttled, 429)["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1.5"])
def test_a_page_that_is_not_a_whole_number_from_1_is_a_400_under_page(patient_client, page):
    response = patient_client.get("/api/v1/checkins/", {"page": page})
    assert assert_error_shape(response, 400, "page")["errors"] == {
        "page": ["A whole number of at least 1."]
    }


def test_a_page_after_the_last_is_a_json_404_and_a_bad_page_size_a_400(patient_client):
    assert assert_error_shape(patient_client.get("/api/v1/checkins/?page=2"), 404)
    assert assert_error_shape(
        patient_client.get("/api/v1/checkins/?page_size=-5"), 400, "page_size"
    )


def test_list_field_errors_report_per_position_in_one_format(
    patient_client, episode, physio_client
):
    reminders = patient_client.put(
        "/api/v1/me/reminders/", {"enabled": True, "channels": ["push", "pigeon"]}, format="json"
    )
    checkin = patient_client.post(
        "/api/v1/checkins/",
        checkin_payload(TODAY, red_flags=["fall_or_injury", "nope"]),
        format="json",
    )
    exercise = ExerciseFactory()
    plan = physio_client.post(
        f"/api/v1/episodes/{episode.id}/plans/",
        {
            "starts_on": TODAY.isoformat(),
            "items": [{"exercise": str(exercise.id), "sets": 0, "reps": 5, "days_per_week": 3}],
        },
        format="json",
    )

    assert assert_error_shape(reminders, 400)["errors"]["channels"][0].startswith("1: ")
    assert assert_error_shape(checkin, 400)["errors"]["red_flags"][0].startswith("1: ")
    assert assert_error_shape(plan, 400)["errors"]["items"][0].startswith("0.sets: ")
    assert CheckIn.objects.count() == 0
    assert ExercisePlan.objects.count() == 0


def test_query_parameter_errors_are_reported_under_the_parameter_name(
    patient_client, patient, physio_client
):
    checkins = patient_client.get("/api/v1/checkins/", {"from": "yesterday"})
    timeline = physio_client.get(f"/api/v1/patients/{patient.id}/timeline/", {"from": "x"})
    cohort = physio_client.get("/api/v1/cohort/export.csv", {"to": "2026-13-01"})

    assert list(assert_error_shape(checkins, 400)["errors"]) == ["from"]
    assert list(assert_error_shape(timeline, 400)["errors"]) == ["from"]
    assert list(assert_error_shape(cohort, 400)["errors"]) == ["to"]


def test_dates_that_would_overflow_are_a_400_under_to(patient_client, patient, episode):
    timeline = patient_client.get(f"/api/v1/patients/{patient.id}/timeline/?to=0001-01-01")
    adherence = patient_client.get(f"/api/v1/episodes/{episode.id}/adherence/?to=9999-12-31")
    checkins = patient_client.get("/api/v1/checkins/?from=0001-01-01")

    assert assert_error_shape(timeline, 400)["errors"] == {"to": ["Cannot be before 1900-01-01."]}
    assert assert_error_shape(adherence, 400)["errors"] == {"to": ["Cannot be after 2100-12-31."]}
    assert list(assert_error_shape(checkins, 400)["errors"]) == ["from"]


# --- Implausible values refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    "recorded_at",
    [
        "0001-01-01T00:00:00+00:00",
        "0001-01-01T00:00:00+01:00",  # before datetime.min in UTC
        "9999-12-31T23:59:59+00:00",
        "2026-03-10T13:00:00+00:00",  # an hour ahead of the clock
        "2026-02-01T12:00:00+00:00",  # before the 30 days a check-in may be backdated, + 1
    ],
)
def test_an_implausible_recorded_at_is_refused_and_nothing_stored(
    patient_client, episode, recorded_at
):
    checkin = patient_client.post(
        "/api/v1/checkins/", checkin_payload(TODAY, recorded_at=recorded_at), format="json"
    )
    synced = patient_client.post(
        "/api/v1/sync/",
        {"checkins": [checkin_payload(TODAY, recorded_at=recorded_at)]},
        format="json",
    )

    assert list(assert_error_shape(checkin, 400)["errors"]) == ["recorded_at"]
    assert synced.status_code == 200
    assert "recorded_at" in synced.json()["checkins"][0]["errors"]
    assert CheckIn.objects.count() == 0


def test_recorded_at_within_the_clock_skew_and_the_backdating_window_is_accepted(
    patient_client, episode
):
    ahead = patient_client.post(
        "/api/v1/checkins/",
        checkin_payload(TODAY, recorded_at="2026-03-10T12:05:00+00:00"),
        format="json",
    )
    late = patient_client.post(
        "/api/v1/checkins/",
        checkin_payload(TODAY - dt.timedelta(days=30), recorded_at="2026-02-08T12:30:00+00:00"),
        format="json",
    )
    assert (ahead.status_code, late.status_code) == (201, 201), (ahead.json(), late.json())


def test_an_exercise_session_recorded_in_9999_is_refused(patient_client, episode):
    item = PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=5))
    body = {
        "client_id": "6f0c7c1e-8d1b-4a8e-9f3e-1b2c3d4e5f60",
        "date": TODAY.isoformat(),
        "plan_item": str(item.id),
        "sets_done": 2,
        "recorded_at": "9999-01-01T00:00:00+00:00",
    }

    response = patient_client.post("/api/v1/exercise-sessions/", body, format="json")

    assert list(assert_error_shape(response, 400)["errors"]) == ["recorded_at"]
    assert ExerciseSession.objects.count() == 0


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        ("0001-01-01", "Cannot be before 1900-01-01."),
        ("1899-12-31", "Cannot be before 1900-01-01."),
    ],
)
def test_an_episode_onset_before_1900_is_refused(patient_client, patient, onset, message):
    response = patient_client.post(
        "/api/v1/me/episodes/",
        {"affected_side": "left", "symptom_onset_date": onset, "pregnancy_associated": False},
        format="json",
    )
    assert assert_error_shape(response, 400)["errors"] == {"symptom_onset_date": [message]}
    assert Episode.objects.count() == 0


def test_an_episode_onset_in_the_future_is_refused(patient_client, patient, episode):
    response = patient_client.patch(
        f"/api/v1/episodes/{episode.id}/", {"symptom_onset_date": "2026-03-20"}, format="json"
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["symptom_onset_date"]
    episode.refresh_from_db()
    assert episode.symptom_onset_date == TODAY - dt.timedelta(days=60)


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("starts_on", {"starts_on": "9999-01-01"}),
        ("ends_on", {"starts_on": "2026-03-10", "ends_on": "9999-12-31"}),
        ("ends_on", {"starts_on": "2026-03-10", "ends_on": "2040-01-01"}),
    ],
)
def test_a_plan_far_from_today_is_refused(physio_client, episode, field, body):
    exercise = ExerciseFactory()
    items = [{"exercise": str(exercise.id), "sets": 2, "reps": 5, "days_per_week": 3}]

    response = physio_client.post(
        f"/api/v1/episodes/{episode.id}/plans/", {**body, "items": items}, format="json"
    )

    assert list(assert_error_shape(response, 400)["errors"]) == [field]
    assert ExercisePlan.objects.count() == 0


NOT_REGION_ZONES = ["localtime", "Factory", "GMT0", "EST", "posixrules", "US/Eastern", "Etc/GMT+5"]


@pytest.mark.parametrize("zone", NOT_REGION_ZONES)
def test_time_zones_that_are_not_regions_are_refused_everywhere(
    patient_client, physio_client, patient, zone
):
    me = patient_client.patch("/api/v1/me/", {"timezone": zone}, format="json")
    enrolled = physio_client.post(
        "/api/v1/patients/",
        {
            "email": "new.patient@example.org",
            "first_name": "New",
            "last_name": "Patient",
            "date_of_birth": "1980-01-01",
            "sex": "female",
            "timezone": zone,
        },
        format="json",
    )

    assert list(assert_error_shape(me, 400)["errors"]) == ["timezone"]
    assert list(assert_error_shape(enrolled, 400)["errors"]) == ["timezone"]
    patient.refresh_from_db()
    assert patient.timezone == "Europe/London"
    assert Patient.objects.count() == 1
    with pytest.raises(CommandError):
        call_command("create_clinic", name="C", timezone=zone, physio_email="p@example.org")


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "America/Argentina/Buenos_Aires"])
def test_utc_and_region_zones_are_accepted(patient_client, patient, zone):
    response = patient_client.patch("/api/v1/me/", {"timezone": zone}, format="json")
    assert response.status_code == 200, response.json()
    patient.refresh_from_db()
    assert patient.timezone == zone


def test_a_date_of_birth_in_the_future_is_refused(physio_client):
    response = physio_client.post(
        "/api/v1/patients/",
        {
            "email": "new.patient@example.org",
            "first_name": "New",
            "last_name": "Patient",
            "date_of_birth": "2090-01-01",
            "sex": "female",
            "timezone": "Europe/London",
        },
        format="json",
    )
    assert list(assert_error_shape(response, 400)["errors"]) == ["date_of_birth"]
    assert Patient.objects.count() == 0


def test_anonymous_client_gets_json_401(db):
    response = APIClient().get("/api/v1/me/")
    assert assert_error_shape(response, 401)["code"] in {
        "not_authenticated",
        "authentication_failed",
    }
