"""Admin: the library is editable; plans (with their items) and sessions are read-only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import User
from tests.exercises.factories import ExerciseSessionFactory, PlanItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root@example.org", "pw-for-tests-only"))
    return client


def test_library_can_be_added_to_in_the_admin(admin_client):
    assert admin_client.get("/admin/exercises/exercise/add/").status_code == 200


def test_plans_and_sessions_are_read_only(admin_client):
    item = PlanItemFactory()
    assert admin_client.get("/admin/exercises/exerciseplan/add/").status_code == 403
    assert admin_client.get("/admin/exercises/exercisesession/add/").status_code == 403
    page = admin_client.get(f"/admin/exercises/exerciseplan/{item.plan_id}/change/")
    assert page.status_code == 200
    assert item.exercise.name in page.content.decode()


@pytest.mark.parametrize("model", ["exerciseplan", "exercisesession"])
def test_changelists_take_a_fixed_number_of_queries(admin_client, model):
    ExerciseSessionFactory()
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(f"/admin/exercises/{model}/").status_code == 200
    ExerciseSessionFactory.create_batch(10)
    with CaptureQueriesContext(connection) as many:
        assert admin_client.get(f"/admin/exercises/{model}/").status_code == 200
    assert len(many.captured_queries) == len(one.captured_queries)
