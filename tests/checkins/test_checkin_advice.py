"""Advice is part of the stored answer (API.md: Idempotency; Daily check-ins): a replay answers
exactly what the first answer carried, a correction answers what the corrected check-in meets,
and a refusal after the values validated still carries the advice they meet."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from django.test import override_settings

from apps.checkins.models import CheckIn
from tests.checkins.conftest import TODAY
from tests.checkins.factories import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"
SYNC = "/api/v1/sync/"


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def rules(advice: list[dict]) -> list[str]:
    return [item["rule"] for item in advice]


def fall(day: dt.date, **overrides) -> dict:
    return checkin_payload(day, red_flags=["fall_or_injury"], **overrides)


# --- Replays of the single POST -----------------------------------------------------------------


@override_settings(EMERGENCY_NUMBER="112")
def test_a_replayed_fall_answers_200_with_the_advice_of_the_201(patient_client, episode):
    body = fall(TODAY)

    first = patient_client.post(URL, body, format="json")
    again = patient_client.post(URL, body, format="json")

    assert first.status_code == 201
    assert rules(first.json()["advice"]) == ["fall_or_injury"]
    assert first.json()["advice"][0]["severity"] == "emergency"
    assert "112" in first.json()["advice"][0]["message"]
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["advice"] == first.json()["advice"]
    assert CheckIn.objects.count() == 1
    assert CheckIn.objects.get().advice == first.json()["advice"]


def test_a_replay_answers_the_stored_advice_even_after_the_rules_settings_change(
    patient_client, episode
):
    body = fall(TODAY)
    with override_settings(EMERGENCY_NUMBER="112"):
        first = patient_client.post(URL, body, format="json")

    with override_settings(EMERGENCY_NUMBER="999"):
        again = patient_client.post(URL, body, format="json")
        fresh = patient_client.post(URL, fall(days_ago(1)), format="json")

    assert again.json()["advice"] == first.json()["advice"]
    assert "112" in again.json()["advice"][0]["message"]
    # A check-in computed now gets today's number: the replay was not recomputed.
    assert "999" in fresh.json()["advice"][0]["message"]


def test_a_replay_answers_the_stored_advice_even_after_a_threshold_changes(patient_client, episode):
    for n in (3, 2, 1):  # a baseline of worst pain 3
        CheckInFactory(episode=episode, date=days_ago(n), pain_worst_24h=3)
    body = checkin_payload(TODAY, pain_worst_24h=9)

    first = patient_client.post(URL, body, format="json")
    with override_settings(FLAG_THRESHOLDS={"sudden_severe_pain_min": 10}):
        again = patient_client.post(URL, body, format="json")
        recomputed = patient_client.patch(
            f"{URL}{first.json()['id']}/", {"pain_worst_24h": 9}, format="json"
        )

    assert rules(first.json()["advice"]) == ["sudden_severe_pain"]
    assert (again.status_code, again.json()["advice"]) == (200, first.json()["advice"])
    # Under the new threshold the same values meet nothing: only the stored answer has it.
    assert recomputed.json()["advice"] == []


def test_a_replay_with_a_body_that_no_longer_passes_still_answers_the_stored_advice(
    patient_client, episode
):
    body = fall(TODAY)
    first = patient_client.post(URL, body, format="json")

    again = patient_client.post(URL, {**body, "pain_now": 11}, format="json")

    assert again.status_code == 200
    assert again.json()["advice"] == first.json()["advice"]


def test_a_row_stored_before_advice_was_recorded_answers_the_advice_recomputed(
    patient_client, episode
):
    old = CheckInFactory(episode=episode, date=TODAY, red_flags=["fall_or_injury"])
    assert old.advice is None

    again = patient_client.post(URL, fall(TODAY, client_id=str(old.client_id)), format="json")

    assert again.status_code == 200
    assert rules(again.json()["advice"]) == ["fall_or_injury"]


def test_advice_that_needs_the_day_before_is_stored_and_replayed(patient_client, episode):
    CheckInFactory(episode=episode, date=days_ago(1), red_flags=["fall_or_injury"])
    body = checkin_payload(TODAY, red_flags=["numbness_or_tingling"])

    first = patient_client.post(URL, body, format="json")
    again = patient_client.post(URL, body, format="json")

    assert rules(first.json()["advice"]) == ["nerve_symptoms_after_injury"]
    assert again.json()["advice"] == first.json()["advice"]


# --- Refusals after the values validated --------------------------------------------------------


def test_a_conflict_on_the_date_carries_the_advice_of_the_sent_values(patient_client, episode):
    holder = CheckInFactory(episode=episode, date=TODAY)

    response = patient_client.post(URL, fall(TODAY), format="json")

    assert response.status_code == 409
    assert response.json()["id"] == str(holder.id)
    assert response.json()["code"] == "conflict"
    assert rules(response.json()["advice"]) == ["fall_or_injury"]
    assert CheckIn.objects.get().red_flags == []  # nothing stored


def test_a_conflict_without_red_flags_carries_empty_advice(patient_client, episode):
    CheckInFactory(episode=episode, date=TODAY, red_flags=["fall_or_injury"])

    response = patient_client.post(URL, checkin_payload(TODAY), format="json")

    assert (response.status_code, response.json()["advice"]) == (409, [])


@pytest.mark.parametrize("day", [days_ago(31), TODAY + dt.timedelta(days=1)])
def test_a_date_out_of_range_is_refused_with_the_advice_of_the_values(patient_client, episode, day):
    response = patient_client.post(URL, fall(day), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["date"]
    assert rules(response.json()["advice"]) == ["fall_or_injury"]
    assert not CheckIn.objects.exists()


def test_no_active_episode_is_refused_with_the_advice_of_the_values(patient_client, patient):
    body = checkin_payload(TODAY, red_flags=["fall_or_injury"], weight_bearing="none")

    response = patient_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]
    assert rules(response.json()["advice"]) == ["fall_or_injury", "cannot_bear_weight"]
    assert not CheckIn.objects.exists()


def test_values_that_do_not_validate_carry_no_advice(patient_client, episode):
    response = patient_client.post(URL, fall(TODAY, pain_now=11), format="json")

    assert response.status_code == 400
    assert "advice" not in response.json()


# --- Corrections --------------------------------------------------------------------------------


def test_a_correction_adding_a_red_flag_answers_its_advice_and_keeps_the_first_answer(
    patient_client, episode
):
    body = checkin_payload(TODAY)
    first = patient_client.post(URL, body, format="json")
    url = f"{URL}{first.json()['id']}/"

    corrected = patient_client.patch(url, {"red_flags": ["leg_short_or_turned_out"]}, format="json")
    replay = patient_client.post(URL, body, format="json")

    assert first.json()["advice"] == []
    assert corrected.status_code == 200
    assert rules(corrected.json()["advice"]) == ["leg_deformity"]
    assert corrected.json()["advice"][0]["severity"] == "emergency"
    # The stored answer stays the first one (a replay answers what the first answer carried).
    assert CheckIn.objects.get().advice == []
    assert (replay.status_code, replay.json()["advice"]) == (200, [])
    assert replay.json()["red_flags"] == ["leg_short_or_turned_out"]


def test_a_correction_removing_the_red_flag_answers_no_advice(patient_client, episode):
    first = patient_client.post(URL, fall(TODAY), format="json")

    corrected = patient_client.patch(
        f"{URL}{first.json()['id']}/", {"red_flags": []}, format="json"
    )

    assert (corrected.status_code, corrected.json()["advice"]) == (200, [])


def test_a_correction_refused_by_its_window_still_carries_the_advice(patient_client, episode):
    old = CheckInFactory(episode=episode, date=days_ago(8))

    response = patient_client.patch(
        f"{URL}{old.id}/", {"red_flags": ["fall_or_injury"]}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["code"] == "correction_window_closed"
    assert rules(response.json()["advice"]) == ["fall_or_injury"]
    assert CheckIn.objects.get().red_flags == []


# --- sync/ --------------------------------------------------------------------------------------


def test_a_sync_replay_answers_the_stored_advice(patient_client, episode):
    items = [fall(days_ago(1)), checkin_payload(TODAY)]
    with override_settings(EMERGENCY_NUMBER="112"):
        first = patient_client.post(SYNC, {"checkins": items}, format="json").json()["checkins"]
    with override_settings(EMERGENCY_NUMBER="999"):
        again = patient_client.post(SYNC, {"checkins": items}, format="json").json()["checkins"]
        single = patient_client.post(URL, items[0], format="json")

    assert [item["status"] for item in first] == ["created", "created"]
    assert rules(first[0]["advice"]) == ["fall_or_injury"]
    assert [item["status"] for item in again] == ["unchanged", "unchanged"]
    assert [item["advice"] for item in again] == [item["advice"] for item in first]
    assert "112" in again[0]["advice"][0]["message"]
    assert single.json()["advice"] == first[0]["advice"]


def test_a_single_post_replayed_through_sync_answers_its_advice(patient_client, episode):
    body = fall(TODAY)
    first = patient_client.post(URL, body, format="json")

    [item] = patient_client.post(SYNC, {"checkins": [body]}, format="json").json()["checkins"]

    assert item == {
        "status": "unchanged",
        "id": first.json()["id"],
        "advice": first.json()["advice"],
    }


def test_a_duplicate_inside_one_batch_carries_the_first_ones_advice(patient_client, episode):
    body = fall(TODAY)

    first, second = patient_client.post(SYNC, {"checkins": [body, body]}, format="json").json()[
        "checkins"
    ]

    assert first["status"] == "created"
    assert rules(first["advice"]) == ["fall_or_injury"]
    assert second == {"status": "unchanged", "id": first["id"], "advice": first["advice"]}


def test_sync_conflicts_and_refused_dates_carry_the_advice_of_their_values(patient_client, episode):
    holder = CheckInFactory(episode=episode, date=days_ago(2))
    items = [
        fall(days_ago(2)),  # the date is held by another check-in
        checkin_payload(TODAY),
        checkin_payload(TODAY, red_flags=["skin_colour_change"]),  # date taken in the batch
        fall(days_ago(40)),  # too old
        fall(TODAY, pain_now=11),  # does not validate
    ]

    results = patient_client.post(SYNC, {"checkins": items}, format="json").json()["checkins"]

    assert [item["status"] for item in results] == [
        "conflict",
        "created",
        "conflict",
        "invalid",
        "invalid",
    ]
    assert results[0]["id"] == str(holder.id)
    assert [rules(item["advice"]) for item in results[:4]] == [
        ["fall_or_injury"],
        [],
        ["skin_colour_change"],
        ["fall_or_injury"],
    ]
    assert "advice" not in results[4]
    assert CheckIn.objects.count() == 2


def test_a_batch_is_advised_with_its_own_earlier_check_ins_in_the_window(patient_client, episode):
    CheckInFactory(episode=episode, date=days_ago(5), weight_bearing="full")
    items = [
        checkin_payload(days_ago(1), weight_bearing="none"),
        checkin_payload(days_ago(2), weight_bearing="none"),
    ]

    results = patient_client.post(SYNC, {"checkins": items}, format="json").json()["checkins"]

    # The first day that could not bear weight is days_ago(2); days_ago(1) was already none.
    assert [rules(item["advice"]) for item in results] == [[], ["cannot_bear_weight"]]
    assert {
        c.date: c.advice for c in CheckIn.objects.filter(date__in=[days_ago(1), days_ago(2)])
    } == {
        days_ago(1): [],
        days_ago(2): results[1]["advice"],
    }


# --- Schema -------------------------------------------------------------------------------------


def test_the_schema_documents_advice_on_every_answer_that_carries_it(api_client):
    schema = yaml.safe_load(api_client.get("/api/v1/schema/").content)
    components = schema["components"]["schemas"]

    def properties(response: dict) -> dict:
        ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        return components[ref]["properties"]

    post = schema["paths"]["/api/v1/checkins/"]["post"]["responses"]
    for code in ("200", "201", "400", "403", "409"):
        assert "advice" in properties(post[code]), code
    patch = schema["paths"]["/api/v1/checkins/{checkin_id}/"]["patch"]["responses"]
    assert "advice" in properties(patch["200"])
    assert "advice" in properties(patch["403"])
    sync = schema["paths"]["/api/v1/sync/"]["post"]["responses"]
    item = properties(sync["200"])["checkins"]["items"]["$ref"].rsplit("/", 1)[1]
    assert "advice" in components[item]["properties"]
    assert "checkins" in properties(sync["403"])
