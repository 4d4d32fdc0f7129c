"""Prescribing plans: supersession keeps history, validation at its boundaries, who may."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.exercises import services
from apps.exercises.models import ExercisePlan, PlanItem
from tests.accounts.factories import CareTeamFactory, ClinicAdminFactory, physio_in
from tests.episodes.factories import EpisodeFactory
from tests.exercises.conftest import TODAY
from tests.exercises.factories import (
    ExerciseFactory,
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db


def plans_url(episode) -> str:
    return f"/api/v1/episodes/{episode.id}/plans/"


def item(exercise, **overrides) -> dict:
    return {"exercise": str(exercise.id), "sets": 2, "reps": 10, "days_per_week": 3, **overrides}


def prescribe(client, episode, *, starts_on, items, ends_on=None):
    body = {"starts_on": starts_on.isoformat(), "items": items}
    if ends_on is not None:
        body["ends_on"] = ends_on.isoformat()
    return client.post(plans_url(episode), body, format="json")


def test_physiotherapist_prescribes_a_plan_that_is_returned_with_its_items(
    physio_client, physio, episode, exercises
):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY,
        items=[item(exercises[0]), item(exercises[1], reps=None, hold_seconds=30)],
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["starts_on"] == "2026-11-25"
    assert body["ends_on"] is None
    assert body["effective_ends_on"] is None
    assert body["prescribed_by"] == str(physio.id)
    assert [(i["exercise"], i["reps"], i["hold_seconds"]) for i in body["items"]] == [
        (str(exercises[0].id), 10, None),
        (str(exercises[1].id), None, 30),
    ]


def test_new_plan_supersedes_the_old_one_from_its_start_and_history_is_kept(
    physio_client, episode, exercises
):
    first = prescribe(physio_client, episode, starts_on=TODAY, items=[item(exercises[0])])
    second = prescribe(
        physio_client,
        episode,
        starts_on=TODAY + dt.timedelta(days=7),
        items=[item(exercises[1], days_per_week=5)],
    )
    assert second.status_code == 201, second.json()

    old = ExercisePlan.objects.get(pk=first.json()["id"])
    assert old.starts_on == TODAY
    assert old.effective_ends_on == dt.date(2026, 12, 1)
    assert str(old.superseded_by_id) == second.json()["id"]
    assert PlanItem.objects.filter(plan=old).count() == 1

    history = physio_client.get(plans_url(episode)).json()
    assert history["count"] == 2
    assert [plan["starts_on"] for plan in history["results"]] == ["2026-12-02", "2026-11-25"]
    assert history["results"][1]["effective_ends_on"] == "2026-12-01"


def test_superseding_a_plan_with_a_prescribed_end_cuts_only_what_overlaps(
    physio_client, episode, exercises
):
    ended = prescribe(
        physio_client,
        episode,
        starts_on=TODAY - dt.timedelta(days=20),
        ends_on=TODAY - dt.timedelta(days=10),
        items=[item(exercises[0])],
    ).json()
    prescribe(physio_client, episode, starts_on=TODAY, items=[item(exercises[1])])

    plan = ExercisePlan.objects.get(pk=ended["id"])
    assert plan.effective_ends_on == TODAY - dt.timedelta(days=10)
    assert plan.superseded_by_id is None


def test_plan_replaced_before_it_started_is_never_in_force(physio_client, episode, exercises):
    future = prescribe(
        physio_client, episode, starts_on=TODAY + dt.timedelta(days=10), items=[item(exercises[0])]
    ).json()
    prescribe(
        physio_client, episode, starts_on=TODAY + dt.timedelta(days=3), items=[item(exercises[1])]
    )

    plan = ExercisePlan.objects.get(pk=future["id"])
    assert plan.effective_ends_on == TODAY + dt.timedelta(days=2)
    assert not plan.is_in_force_on(TODAY + dt.timedelta(days=10))


def test_backdated_plan_over_logged_sessions_is_a_conflict_and_changes_nothing(
    physio_client, episode, exercises
):
    current = PlanItemFactory(plan__episode=episode, plan__starts_on=TODAY - dt.timedelta(days=20))
    ExerciseSessionFactory(plan_item=current, date=TODAY - dt.timedelta(days=3))

    response = prescribe(
        physio_client, episode, starts_on=TODAY - dt.timedelta(days=5), items=[item(exercises[0])]
    )

    assert response.status_code == 409
    assert response.json()["code"] == "sessions_logged"
    assert response.json()["earliest_starts_on"] == "2026-11-23"
    assert ExercisePlan.objects.count() == 1
    current.plan.refresh_from_db()
    assert current.plan.effective_ends_on is None


@pytest.mark.parametrize(("days_per_week", "status"), [(0, 400), (1, 201), (7, 201), (8, 400)])
def test_days_per_week_is_accepted_from_1_to_7(
    physio_client, episode, exercises, days_per_week, status
):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY,
        items=[item(exercises[0], days_per_week=days_per_week)],
    )

    assert response.status_code == status, response.json()
    if status == 400:
        errors = response.json()["errors"]
        assert list(errors) == ["items"]
        (message,) = errors["items"]
        assert message.startswith("0.days_per_week: ")
        assert ExercisePlan.objects.count() == 0
    else:
        assert response.json()["items"][0]["days_per_week"] == days_per_week


def test_item_without_reps_or_hold_is_refused(physio_client, episode, exercises):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY,
        items=[item(exercises[0]), item(exercises[1], reps=None)],
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {"items": ["1.reps: Give reps or hold_seconds (or both)."]}
    assert ExercisePlan.objects.count() == 0


def test_item_with_hold_only_is_accepted(physio_client, episode, exercises):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY,
        items=[item(exercises[0], reps=None, hold_seconds=5)],
    )
    assert response.status_code == 201, response.json()


def test_unknown_or_retired_exercise_is_refused_on_its_item(physio_client, episode, exercises):
    retired = ExerciseFactory(is_active=False)
    unknown = {
        "exercise": "8d1c0f0e-4b8e-4f5a-9d7e-2f1f3c9a6b11",
        "sets": 1,
        "reps": 5,
        "days_per_week": 2,
    }

    response = prescribe(
        physio_client, episode, starts_on=TODAY, items=[item(exercises[0]), unknown, item(retired)]
    )

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "items": [
            "1.exercise: Unknown exercise (not in the library).",
            "2.exercise: Unknown exercise (not in the library).",
        ]
    }
    assert ExercisePlan.objects.count() == 0


def test_same_exercise_twice_in_a_plan_is_refused(physio_client, episode, exercises):
    response = prescribe(
        physio_client, episode, starts_on=TODAY, items=[item(exercises[0]), item(exercises[0])]
    )
    assert response.status_code == 400
    assert response.json()["errors"]["items"] == [
        "1.exercise: This exercise is already in the plan."
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_on": "2026-11-25", "items": []}, "items"),
        ({"starts_on": "2026-11-25"}, "items"),
        ({"items": []}, "starts_on"),
        ({"starts_on": "2026-11-25", "ends_on": "2026-11-24", "items": None}, "items"),
    ],
)
def test_malformed_plan_is_a_400_on_the_field(physio_client, episode, body, field):
    response = physio_client.post(plans_url(episode), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_plan_ending_before_it_starts_is_refused(physio_client, episode, exercises):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY,
        ends_on=TODAY - dt.timedelta(days=1),
        items=[item(exercises[0])],
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"ends_on": ["Cannot be before starts_on."]}


@pytest.mark.parametrize(("days_back", "status"), [(30, 201), (31, 400)])
def test_plan_may_start_at_most_30_days_back(physio_client, episode, exercises, days_back, status):
    response = prescribe(
        physio_client,
        episode,
        starts_on=TODAY - dt.timedelta(days=days_back),
        items=[item(exercises[0])],
    )
    assert response.status_code == status


def test_plan_cannot_start_before_symptom_onset(physio_client, patient, exercises):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=3))
    response = prescribe(
        physio_client, episode, starts_on=TODAY - dt.timedelta(days=4), items=[item(exercises[0])]
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["starts_on"]


def test_resolved_episode_gets_no_new_plan(physio_client, patient, exercises):
    episode = EpisodeFactory(
        patient=patient,
        symptom_onset_date=dt.date(2026, 9, 1),
        status="resolved",
        resolved_on=TODAY - dt.timedelta(days=1),
    )
    response = prescribe(physio_client, episode, starts_on=TODAY, items=[item(exercises[0])])
    assert response.status_code == 400
    assert response.json()["code"] == "episode_resolved"


def test_patient_may_read_plan_history_but_not_prescribe(patient_client, episode, exercises):
    response = prescribe(patient_client, episode, starts_on=TODAY, items=[item(exercises[0])])
    assert response.status_code == 403
    assert ExercisePlan.objects.count() == 0
    assert patient_client.get(plans_url(episode)).status_code == 200


def test_physiotherapist_outside_the_care_team_gets_404_both_ways(api_client, episode, exercises):
    api_client.force_authenticate(physio_in(CareTeamFactory()))
    assert (
        prescribe(api_client, episode, starts_on=TODAY, items=[item(exercises[0])]).status_code
        == 404
    )
    assert api_client.get(plans_url(episode)).status_code == 404
    assert ExercisePlan.objects.count() == 0


def test_clinic_admin_reads_plans_but_does_not_prescribe(api_client, episode, care_team, exercises):
    api_client.force_authenticate(ClinicAdminFactory(clinic=care_team.clinic))
    assert api_client.get(plans_url(episode)).status_code == 200
    response = prescribe(api_client, episode, starts_on=TODAY, items=[item(exercises[0])])
    assert response.status_code == 403


def test_accepted_plan_reports_the_changed_dates_to_the_episode(
    physio, episode, exercises, recorded_changes
):
    services.plan_create(
        episode=episode,
        by=physio,
        starts_on=TODAY - dt.timedelta(days=2),
        items=[{"exercise": exercises[0], "sets": 1, "reps": 5, "days_per_week": 2}],
    )
    assert recorded_changes == [
        (episode.pk, [dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25)])
    ]


def test_plan_history_takes_a_fixed_number_of_queries(
    physio_client, episode, django_assert_num_queries
):
    def add_plan(start):
        PlanItemFactory.create_batch(3, plan=ExercisePlanFactory(episode=episode, starts_on=start))

    add_plan(TODAY - dt.timedelta(days=20))
    with django_assert_num_queries(4) as one:
        assert physio_client.get(plans_url(episode)).status_code == 200
    for days in range(19, 9, -1):
        add_plan(TODAY - dt.timedelta(days=days))
    with django_assert_num_queries(len(one.captured_queries)):
        body = physio_client.get(plans_url(episode)).json()
    assert body["count"] == 11
    assert len(body["results"][0]["items"]) == 3
