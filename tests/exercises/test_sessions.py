"""Logging sessions: idempotent on client_id, validated at its boundaries, batches in order."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.sync import ItemStatus
from apps.exercises import services
from apps.exercises.models import ExerciseSession
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.exercises.conftest import TODAY
from tests.exercises.factories import ExercisePlanFactory, ExerciseSessionFactory, PlanItemFactory
from tests.support.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

URL = "/api/v1/exercise-sessions/"


@pytest.fixture
def plan_item(episode):
    return PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=40))


def payload(item_, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "date": TODAY.isoformat(),
        "plan_item": str(item_.id),
        "sets_done": 2,
        "pain_during": 3,
        "recorded_at": "2026-11-25T08:30:00+01:00",
        **overrides,
    }


def test_patient_logs_a_session(patient_client, patient, plan_item, recorded_changes):
    response = patient_client.post(URL, payload(plan_item), format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["plan_item"] == str(plan_item.id)
    assert body["exercise"] == str(plan_item.exercise_id)
    assert body["patient"] == str(patient.id)
    assert body["recorded_at"] == "2026-11-25T07:30:00Z"
    assert recorded_changes == [(plan_item.plan.episode_id, [TODAY])]


def test_same_client_id_twice_stores_one_session_and_answers_200_with_it(
    patient_client, plan_item, recorded_changes
):
    body = payload(plan_item)
    first = patient_client.post(URL, body, format="json")
    again = patient_client.post(URL, {**body, "sets_done": 5}, format="json")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert ExerciseSession.objects.get().sets_done == 2
    assert len(recorded_changes) == 1


def test_two_sessions_on_the_same_day_are_both_kept(patient_client, plan_item):
    assert patient_client.post(URL, payload(plan_item), format="json").status_code == 201
    assert patient_client.post(URL, payload(plan_item), format="json").status_code == 201
    assert ExerciseSession.objects.count() == 2


def test_another_patient_with_the_same_client_id_gets_their_own_session(
    patient_client, plan_item, api_client
):
    body = payload(plan_item)
    patient_client.post(URL, body, format="json")
    other_item = PlanItemFactory(plan__starts_on=TODAY - dt.timedelta(days=1))
    api_client.force_authenticate(other_item.plan.episode.patient.user)

    response = api_client.post(URL, payload(other_item, client_id=body["client_id"]), format="json")

    assert response.status_code == 201
    assert response.json()["plan_item"] == str(other_item.id)
    assert ExerciseSession.objects.count() == 2


@pytest.mark.parametrize(
    ("field", "accepted", "refused"),
    [
        ("pain_during", 10, 11),
        ("pain_during", 0, -1),
        ("sets_done", 1, 0),
        ("sets_done", 50, 51),
    ],
)
def test_numeric_field_is_accepted_at_its_bound_and_refused_past_it(
    patient_client, plan_item, field, accepted, refused
):
    refused_response = patient_client.post(
        URL, payload(plan_item, **{field: refused}), format="json"
    )
    assert refused_response.status_code == 400
    assert list(refused_response.json()["errors"]) == [field]
    assert ExerciseSession.objects.count() == 0

    accepted_response = patient_client.post(
        URL, payload(plan_item, **{field: accepted}), format="json"
    )
    assert accepted_response.status_code == 201, accepted_response.json()
    assert accepted_response.json()[field] == accepted


@pytest.mark.parametrize(("days_back", "status"), [(30, 201), (31, 400), (-1, 400), (0, 201)])
def test_date_may_be_up_to_30_days_back_and_not_after_local_today(
    patient_client, plan_item, days_back, status
):
    day = TODAY - dt.timedelta(days=days_back)
    response = patient_client.post(URL, payload(plan_item, date=day.isoformat()), format="json")

    assert response.status_code == status
    if status == 400:
        assert list(response.json()["errors"]) == ["date"]
        assert ExerciseSession.objects.count() == 0


def test_local_today_follows_the_patient_time_zone(api_client, care_team):
    # 12:00 UTC on 25 November is already 26 November in Auckland.
    patient = PatientFactory(care_team=care_team, timezone="Pacific/Auckland")
    item = PlanItemFactory(
        plan__episode__patient=patient, plan__starts_on=TODAY - dt.timedelta(days=1)
    )
    api_client.force_authenticate(patient.user)
    tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
    assert api_client.post(URL, payload(item, date=tomorrow), format="json").status_code == 201


def test_plan_item_not_in_force_on_the_date_is_refused(patient_client, episode):
    old = PlanItemFactory(
        plan__episode=episode,
        plan__starts_on=TODAY - dt.timedelta(days=20),
        plan__ends_on=TODAY - dt.timedelta(days=5),
    )

    response = patient_client.post(
        URL, payload(old, date=(TODAY - dt.timedelta(days=4)).isoformat()), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "plan_item": ["This plan item is not in force on 2026-11-21."]
    }
    assert ExerciseSession.objects.count() == 0
    ok = patient_client.post(
        URL, payload(old, date=(TODAY - dt.timedelta(days=5)).isoformat()), format="json"
    )
    assert ok.status_code == 201


def test_plan_item_of_another_patient_is_refused(patient_client, episode):
    foreign = PlanItemFactory(plan__starts_on=TODAY - dt.timedelta(days=3))
    response = patient_client.post(URL, payload(foreign), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"plan_item": ["Not an item of your exercise plan."]}
    assert ExerciseSession.objects.count() == 0


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "not-a-uuid"},
        {"date": "25/11/2026"},
        {"recorded_at": "2026-11-25T08:30:00"},
        {"plan_item": None},
        {"sets_done": "two"},
    ],
)
def test_malformed_session_is_a_400_and_stores_nothing(patient_client, plan_item, overrides):
    response = patient_client.post(URL, payload(plan_item, **overrides), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(overrides)
    assert ExerciseSession.objects.count() == 0


def test_staff_cannot_log_sessions(physio_client, plan_item):
    response = physio_client.post(URL, payload(plan_item), format="json")
    assert response.status_code == 403
    assert ExerciseSession.objects.count() == 0


def test_batch_mixes_statuses_in_request_order(patient, plan_item, recorded_changes):
    stored = ExerciseSessionFactory(plan_item=plan_item, date=TODAY - dt.timedelta(days=2))
    repeated = str(uuid.uuid4())
    items = [
        payload(plan_item, date=(TODAY - dt.timedelta(days=1)).isoformat()),
        payload(plan_item, client_id=str(stored.client_id), sets_done=9),
        payload(plan_item, pain_during=11),
        payload(plan_item, client_id=repeated),
        "not an object",
        payload(plan_item, client_id=repeated),
        payload(plan_item, date=(TODAY - dt.timedelta(days=31)).isoformat()),
    ]

    results = services.exercise_sessions_submit_many(patient=patient, items=items)

    assert [result.status for result in results] == [
        ItemStatus.CREATED,
        ItemStatus.UNCHANGED,
        ItemStatus.INVALID,
        ItemStatus.CREATED,
        ItemStatus.INVALID,
        ItemStatus.UNCHANGED,
        ItemStatus.INVALID,
    ]
    assert results[1].id == stored.id
    assert results[5].id == results[3].id
    assert results[2].errors == {"pain_during": ["Ensure this value is less than or equal to 10."]}
    assert results[4].errors == {"non_field_errors": ["Expected an object."]}
    assert list(results[6].errors) == ["date"]
    assert ExerciseSession.objects.count() == 3
    assert ExerciseSession.objects.get(pk=stored.pk).sets_done == 2
    assert recorded_changes == [(plan_item.plan.episode_id, [TODAY - dt.timedelta(days=1), TODAY])]


def test_batch_of_invalid_items_stores_nothing_and_reports_nothing(
    patient, plan_item, recorded_changes
):
    results = services.exercise_sessions_submit_many(
        patient=patient, items=[payload(plan_item, sets_done=0), {}]
    )
    assert [result.status for result in results] == [ItemStatus.INVALID, ItemStatus.INVALID]
    assert ExerciseSession.objects.count() == 0
    assert recorded_changes == []


def test_batch_takes_the_same_number_of_queries_for_1_or_50_items(
    patient, plan_item, django_assert_num_queries
):
    other = PlanItemFactory(plan=plan_item.plan)
    with CaptureQueriesContext(connection) as single:
        services.exercise_sessions_submit_many(patient=patient, items=[payload(plan_item)])
    items = [payload(plan_item if n % 2 else other) for n in range(50)]
    with django_assert_num_queries(len(single.captured_queries)):
        results = services.exercise_sessions_submit_many(patient=patient, items=items)
    assert {result.status for result in results} == {ItemStatus.CREATED}
    assert ExerciseSession.objects.count() == 51


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_batches_with_the_same_client_id_store_one_session(patient, episode):
    item = PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=3))
    body = payload(item)

    statuses = run_concurrently(
        lambda: services.exercise_sessions_submit_many(patient=patient, items=[body])[0].status
    )

    assert sorted(statuses) == [
        ItemStatus.CREATED,
        ItemStatus.UNCHANGED,
        ItemStatus.UNCHANGED,
        ItemStatus.UNCHANGED,
    ]
    assert ExerciseSession.objects.count() == 1


def test_patient_lists_own_sessions_in_a_date_range(patient_client, plan_item):
    for days in range(5):
        ExerciseSessionFactory(plan_item=plan_item, date=TODAY - dt.timedelta(days=days))
    ExerciseSessionFactory(plan_item=PlanItemFactory(), date=TODAY)

    body = patient_client.get(URL, {"from": "2026-11-22", "to": "2026-11-24"}).json()

    assert body["count"] == 3
    assert [row["date"] for row in body["results"]] == ["2026-11-24", "2026-11-23", "2026-11-22"]


def test_patient_asking_for_another_patient_gets_404(patient_client, plan_item):
    other = PatientFactory()
    assert patient_client.get(URL, {"patient": str(other.id)}).status_code == 404


def test_care_team_lists_a_patient_sessions_and_outsiders_get_404(
    physio_client, api_client, patient, plan_item
):
    ExerciseSessionFactory(plan_item=plan_item)
    assert physio_client.get(URL, {"patient": str(patient.id)}).json()["count"] == 1

    api_client.force_authenticate(physio_in(CareTeamFactory()))
    assert api_client.get(URL, {"patient": str(patient.id)}).status_code == 404
    assert api_client.get(URL).json()["count"] == 0


def test_bad_range_is_a_400(patient_client):
    assert patient_client.get(URL, {"from": "2026-11-25", "to": "2026-11-24"}).status_code == 400
    assert patient_client.get(URL, {"from": "yesterday"}).status_code == 400


def test_session_list_takes_a_fixed_number_of_queries(
    physio_client, patient, episode, django_assert_num_queries
):
    plan = ExercisePlanFactory(episode=episode, starts_on=TODAY - dt.timedelta(days=30))
    items = PlanItemFactory.create_batch(3, plan=plan)
    ExerciseSessionFactory(plan_item=items[0])
    with CaptureQueriesContext(connection) as one:
        physio_client.get(URL, {"patient": str(patient.id)})
    for n in range(30):
        ExerciseSessionFactory(plan_item=items[n % 3], date=TODAY - dt.timedelta(days=n % 20))
    with django_assert_num_queries(len(one.captured_queries)):
        body = physio_client.get(URL, {"patient": str(patient.id)}).json()
    assert body["count"] == 31
