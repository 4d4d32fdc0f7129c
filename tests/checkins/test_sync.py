"""`POST sync/`: each item gets the result its own POST would get, in order; a bad item
never blocks the others and leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import uuid
from unittest import mock

import pytest

from apps.checkins.models import CheckIn
from tests.checkins.conftest import TODAY
from tests.checkins.factories import CheckInFactory, checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/sync/"


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def test_batch_mixing_created_unchanged_conflict_and_invalid_answers_each_in_order(
    patient_client, episode
):
    already_sent = CheckInFactory(episode=episode, date=days_ago(1))
    other_holder = CheckInFactory(episode=episode, date=days_ago(2))
    items = [
        checkin_payload(days_ago(3)),
        checkin_payload(days_ago(1), client_id=str(already_sent.client_id), pain_now=9),
        checkin_payload(days_ago(2)),
        checkin_payload(days_ago(4), pain_now=11),
        checkin_payload(days_ago(5)),
    ]

    response = patient_client.post(URL, {"checkins": items}, format="json")

    assert response.status_code == 200, response.json()
    results = response.json()["checkins"]
    created = {str(c.client_id): str(c.id) for c in CheckIn.objects.all()}
    assert results == [
        {"status": "created", "id": created[items[0]["client_id"]], "advice": []},
        # Unchanged and conflict items carry advice too (none here: no red flag).
        {"status": "unchanged", "id": str(already_sent.id), "advice": []},
        {"status": "conflict", "id": str(other_holder.id), "advice": []},
        {
            "status": "invalid",
            "id": None,
            "errors": {"pain_now": ["Ensure this value is less than or equal to 10."]},
        },
        {"status": "created", "id": created[items[4]["client_id"]], "advice": []},
    ]
    assert response.json()["exercise_sessions"] == []
    assert CheckIn.objects.count() == 4
    assert CheckIn.objects.get(pk=already_sent.pk).pain_now == already_sent.pain_now
    assert not CheckIn.objects.filter(date=days_ago(4)).exists()


def test_invalid_items_report_the_same_field_errors_as_a_single_post(patient_client, episode):
    bad = checkin_payload(TODAY + dt.timedelta(days=1), walking_aid="skateboard")
    single = patient_client.post("/api/v1/checkins/", bad, format="json")

    batch = patient_client.post(URL, {"checkins": [bad]}, format="json")

    assert batch.json()["checkins"][0]["errors"] == single.json()["errors"]


def test_same_client_id_twice_in_one_batch_is_created_then_unchanged(patient_client, episode):
    item = checkin_payload(days_ago(1))

    response = patient_client.post(URL, {"checkins": [item, item]}, format="json")

    first, second = response.json()["checkins"]
    assert first["status"] == "created"
    assert second == {"status": "unchanged", "id": first["id"], "advice": first["advice"]}
    assert CheckIn.objects.count() == 1


def test_two_client_ids_for_one_date_in_one_batch_are_created_then_conflict(
    patient_client, episode
):
    items = [checkin_payload(days_ago(1), pain_now=1), checkin_payload(days_ago(1), pain_now=7)]

    response = patient_client.post(URL, {"checkins": items}, format="json")

    first, second = response.json()["checkins"]
    assert first["status"] == "created"
    assert second == {"status": "conflict", "id": first["id"], "advice": []}
    assert CheckIn.objects.get().pain_now == 1


def test_item_after_an_invalid_one_with_the_same_date_is_created(patient_client, episode):
    items = [checkin_payload(days_ago(1), pain_now=11), checkin_payload(days_ago(1))]

    response = patient_client.post(URL, {"checkins": items}, format="json")

    assert [item["status"] for item in response.json()["checkins"]] == ["invalid", "created"]


def test_item_that_is_not_an_object_is_invalid_and_the_others_are_stored(patient_client, episode):
    items = ["garbage", 42, checkin_payload(days_ago(1))]

    response = patient_client.post(URL, {"checkins": items}, format="json")

    statuses = [item["status"] for item in response.json()["checkins"]]
    assert statuses == ["invalid", "invalid", "created"]
    assert "non_field_errors" in response.json()["checkins"][0]["errors"]
    assert CheckIn.objects.count() == 1


def test_batch_of_only_invalid_items_stores_nothing_and_calls_no_hook(patient_client, episode):
    items = [checkin_payload(days_ago(1), pain_now=11), checkin_payload(days_ago(40))]
    with mock.patch("apps.checkins.services.episode_record_changed") as hook:
        response = patient_client.post(URL, {"checkins": items}, format="json")

    assert [item["status"] for item in response.json()["checkins"]] == ["invalid", "invalid"]
    assert CheckIn.objects.count() == 0
    hook.assert_not_called()


def test_batch_calls_the_record_hook_once_with_every_created_date(patient_client, episode):
    items = [checkin_payload(days_ago(2)), checkin_payload(days_ago(5)), checkin_payload(TODAY)]
    with mock.patch("apps.checkins.services.episode_record_changed") as hook:
        patient_client.post(URL, {"checkins": items}, format="json")

    hook.assert_called_once_with(episode=episode, changed_dates=[days_ago(5), days_ago(2), TODAY])


def test_created_items_carry_advice_computed_in_one_call(patient_client, episode):
    advice = [{"rule": "fall_or_injury", "severity": "emergency", "message": "Call 999."}]
    calls = []

    def fake_advice(*, checkins, alongside=()):
        calls.append(len(checkins))
        return {c.id: (advice if "fall_or_injury" in c.red_flags else []) for c in checkins}

    items = [checkin_payload(days_ago(1), red_flags=["fall_or_injury"]), checkin_payload(TODAY)]
    with mock.patch("apps.flags.services.checkin_advice", side_effect=fake_advice):
        response = patient_client.post(URL, {"checkins": items}, format="json")

    assert [item["advice"] for item in response.json()["checkins"]] == [advice, []]
    assert calls == [2]


def test_five_hundred_items_are_accepted(patient_client, episode):
    # 31 distinct valid dates; the rest repeat client_ids (unchanged) - still 500 items.
    items = [checkin_payload(days_ago(day % 31)) for day in range(31)]
    items += [items[index % 31] for index in range(469)]

    response = patient_client.post(URL, {"checkins": items}, format="json")

    assert response.status_code == 200
    statuses = [item["status"] for item in response.json()["checkins"]]
    assert statuses.count("created") == 31
    assert statuses.count("unchanged") == 469
    assert CheckIn.objects.count() == 31


def test_five_hundred_and_one_items_are_refused_whole_and_store_nothing(patient_client, episode):
    items = [checkin_payload(days_ago(day % 31)) for day in range(300)]
    sessions = [{"client_id": str(uuid.uuid4())} for _ in range(201)]

    response = patient_client.post(
        URL, {"checkins": items, "exercise_sessions": sessions}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "non_field_errors": [
            "At most 500 items per request (got 501); send the rest in another request."
        ]
    }
    assert CheckIn.objects.count() == 0


def test_sync_needs_lists(patient_client, episode):
    response = patient_client.post(URL, {"checkins": {"not": "a list"}}, format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["checkins"]


def test_sync_with_neither_key_answers_two_empty_lists(patient_client, episode):
    response = patient_client.post(URL, {}, format="json")

    assert response.json() == {
        "checkins": [],
        "exercise_sessions": [],
        "questionnaire_responses": [],
    }


def test_sync_uses_a_fixed_number_of_queries_whatever_the_batch_size(
    patient_client, episode, django_assert_max_num_queries
):
    small = [checkin_payload(days_ago(day)) for day in range(2)]
    large = [checkin_payload(days_ago(day)) for day in range(2, 30)]

    with django_assert_max_num_queries(12) as small_run:
        patient_client.post(URL, {"checkins": small}, format="json")
    with django_assert_max_num_queries(12) as large_run:
        patient_client.post(URL, {"checkins": large}, format="json")

    assert len(large_run.captured_queries) == len(small_run.captured_queries)
    assert CheckIn.objects.count() == 30


def test_staff_cannot_sync(physio_client):
    response = physio_client.post(URL, {"checkins": []}, format="json")

    assert response.status_code == 403


def test_sync_handles_checkins_and_exercise_sessions_in_one_request(patient_client, episode):
    from apps.exercises.models import ExerciseSession
    from tests.exercises.factories import ExercisePlanFactory, PlanItemFactory

    item = PlanItemFactory(plan=ExercisePlanFactory(episode=episode, starts_on=days_ago(20)))
    session = {
        "client_id": str(uuid.uuid4()),
        "date": str(days_ago(1)),
        "plan_item": str(item.id),
        "sets_done": 2,
        "recorded_at": "2026-03-09T18:00:00+00:00",
    }
    bad_session = {**session, "client_id": str(uuid.uuid4()), "sets_done": 0}

    response = patient_client.post(
        URL,
        {"checkins": [checkin_payload(days_ago(1))], "exercise_sessions": [session, bad_session]},
        format="json",
    )

    assert response.status_code == 200
    assert [i["status"] for i in response.json()["checkins"]] == ["created"]
    assert [i["status"] for i in response.json()["exercise_sessions"]] == ["created", "invalid"]
    assert response.json()["exercise_sessions"][0]["id"] == str(ExerciseSession.objects.get().id)
    assert list(response.json()["exercise_sessions"][1]["errors"]) == ["sets_done"]


def _session_item(episode) -> dict:
    from tests.exercises.factories import ExercisePlanFactory, PlanItemFactory

    item = PlanItemFactory(plan=ExercisePlanFactory(episode=episode, starts_on=days_ago(20)))
    return {
        "client_id": str(uuid.uuid4()),
        "date": str(days_ago(1)),
        "plan_item": str(item.id),
        "sets_done": 2,
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
    }


def test_sync_writes_every_kind_in_one_transaction_each_with_its_record_change(
    patient_client, episode
):
    from apps.episodes.models import RecordChange
    from apps.exercises.models import ExerciseSession

    body = {
        "checkins": [checkin_payload(days_ago(2))],
        "exercise_sessions": [_session_item(episode)],
    }
    with (
        mock.patch(
            "apps.intake.services.questionnaire_responses_sync", side_effect=RuntimeError("down")
        ),
        pytest.raises(RuntimeError),
    ):
        patient_client.post(URL, body, format="json")

    # The last part failed: nothing of the request is stored, not even half of it.
    assert (CheckIn.objects.count(), ExerciseSession.objects.count()) == (0, 0)
    assert RecordChange.objects.count() == 0

    response = patient_client.post(URL, body, format="json")

    assert [item["status"] for item in response.json()["checkins"]] == ["created"]
    assert [item["status"] for item in response.json()["exercise_sessions"]] == ["created"]
    assert sorted(RecordChange.objects.values_list("from_date", flat=True)) == [
        days_ago(2),
        days_ago(1),
    ]


def test_a_null_item_refuses_the_envelope_and_any_other_value_is_an_item(patient_client, episode):
    refused = patient_client.post(URL, {"checkins": [None]}, format="json")
    answered = patient_client.post(URL, {"checkins": [7, "x", [1], {"a": 1.5}]}, format="json")

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["checkins"]
    assert answered.status_code == 200
    assert [item["status"] for item in answered.json()["checkins"]] == ["invalid"] * 4
