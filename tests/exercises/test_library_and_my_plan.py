"""The exercise library (starter set from the data migration) and the patient's current plan."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps

from apps.exercises.models import Category, Exercise
from tests.exercises.conftest import TODAY
from tests.exercises.factories import ExerciseFactory, ExercisePlanFactory, PlanItemFactory

pytestmark = pytest.mark.django_db

starter_migration = importlib.import_module("apps.exercises.migrations.0002_starter_library")


@pytest.fixture
def starter_library():
    """The starter rows the data migration inserted. A transactional test elsewhere in the
    run flushes tables (migration data included), so re-run the migration's own function,
    which only adds missing slugs."""
    starter_migration.add_starter_exercises(django_apps, None)
    return Exercise.objects.filter(slug__in=[row[0] for row in starter_migration.STARTER_EXERCISES])


def test_starter_migration_adds_only_missing_exercises(starter_library):
    Exercise.objects.filter(slug="bridging").delete()
    starter_migration.add_starter_exercises(django_apps, None)
    starter_migration.add_starter_exercises(django_apps, None)
    assert starter_library.count() == 12


def test_starter_library_covers_every_category_with_safe_instructions(starter_library):
    starter = starter_library

    assert starter.count() == 12
    assert set(starter.values_list("category", flat=True)) == set(Category.values)
    assert {"stationary-cycling", "aqua-walking", "bridging", "heel-slides"} <= set(
        starter.values_list("slug", flat=True)
    )
    for exercise in starter:
        assert "stop straight away if the pain" in exercise.instructions
        assert "weight bearing" in exercise.instructions
        assert exercise.default_reps or exercise.default_hold_seconds


def test_any_signed_in_user_reads_the_library_filtered_by_category(
    patient_client, physio_client, starter_library
):
    ExerciseFactory(category=Category.BALANCE, name="Test tandem stance", is_active=False)

    body = patient_client.get("/api/v1/exercises/", {"category": "aerobic"}).json()

    assert [row["name"] for row in body["results"]] == ["Stationary cycling", "Walking in water"]
    assert body["results"][0]["default_hold_seconds"] == 600
    assert (
        physio_client.get("/api/v1/exercises/").json()["count"]
        == Exercise.objects.filter(is_active=True).count()
    )


def test_library_needs_a_signed_in_user(api_client):
    assert api_client.get("/api/v1/exercises/").status_code == 401


def test_library_list_takes_a_fixed_number_of_queries(
    patient_client, starter_library, django_assert_num_queries
):
    ExerciseFactory.create_batch(30)
    with django_assert_num_queries(2):
        assert patient_client.get("/api/v1/exercises/").json()["count"] == 42


def test_patient_sees_the_plan_in_force_today(patient_client, episode):
    ExercisePlanFactory(
        episode=episode,
        starts_on=TODAY - dt.timedelta(days=20),
        effective_ends_on=TODAY - dt.timedelta(days=1),
    )
    current = ExercisePlanFactory(episode=episode, starts_on=TODAY)
    PlanItemFactory.create_batch(2, plan=current)
    ExercisePlanFactory(episode=episode, starts_on=TODAY + dt.timedelta(days=7))

    response = patient_client.get("/api/v1/me/plan/")

    assert response.status_code == 200
    assert response.json()["id"] == str(current.id)
    assert len(response.json()["items"]) == 2


def test_patient_without_a_plan_in_force_gets_a_clear_404(patient_client, episode):
    ExercisePlanFactory(episode=episode, starts_on=TODAY + dt.timedelta(days=1))

    response = patient_client.get("/api/v1/me/plan/")

    assert response.status_code == 404
    assert response.json()["errors"] == {
        "non_field_errors": [
            "You have no exercise plan in force today. Your physiotherapist will prescribe one."
        ]
    }


def test_patient_without_an_episode_gets_the_same_404(patient_client):
    assert patient_client.get("/api/v1/me/plan/").status_code == 404


def test_staff_have_no_plan_of_their_own(physio_client):
    assert physio_client.get("/api/v1/me/plan/").status_code == 404
