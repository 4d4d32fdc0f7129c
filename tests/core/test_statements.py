"""apps.core.statements.insert_new: the batch INSERT that says which rows it stored. Whatever
form it takes (on PostgreSQL one array per column, values of their column's own type passed as
they are; elsewhere the ORM's compiler), the stored rows are what bulk_create stores."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo

import pytest
from django.db import connection

from apps.checkins.models import CheckIn
from apps.core import statements
from apps.core.statements import insert_new
from apps.exercises.models import ExerciseSession
from tests.checkins.factories import CheckInFactory
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import ExerciseSessionFactory, PlanItemFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 16)
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def _sessions(plan_item, count, **values):
    episode = plan_item.plan.episode
    return [
        ExerciseSession(
            id=uuid.uuid4(),
            patient=episode.patient,
            episode=episode,
            plan_item=plan_item,
            client_id=uuid.uuid4(),
            date=DAY - dt.timedelta(days=n),
            sets_done=1 + n % 3,
            pain_during=None if n % 2 else n % 5,
            recorded_at=dt.datetime(2026, 11, 16, 18, n, tzinfo=dt.UTC),
            **values,
        )
        for n in range(count)
    ]


def _stored(model, rows):
    read = {row.pk: row for row in model.objects.filter(pk__in=[row.pk for row in rows])}
    fields = [  # each INSERT sets its own auto_now instants
        f.attname
        for f in model._meta.concrete_fields
        if not (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
    ]
    return [{name: getattr(read[row.pk], name) for name in fields} for row in rows]


def _as_bulk_create_stores(model, rows):
    """The same rows stored by bulk_create (fresh primary keys and client_ids), read back,
    with those keys put back for comparison."""
    copies = []
    for row in rows:
        copy = model(**{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields})
        copy.pk, copy.client_id = uuid.uuid4(), uuid.uuid4()
        copies.append(copy)
    model.objects.bulk_create(copies, ignore_conflicts=True)
    stored = _stored(model, copies)
    for values, row in zip(stored, rows, strict=True):
        values["id"], values["client_id"] = row.pk, row.client_id
    return stored


def test_it_returns_the_ids_it_stored_and_marks_the_rows_stored():
    item = PlanItemFactory()
    rows = _sessions(item, 5)

    assert insert_new(rows) == {row.pk for row in rows}
    assert all(not row._state.adding for row in rows)
    assert ExerciseSession.objects.count() == 5


def test_a_row_a_unique_constraint_refuses_is_not_returned_and_not_stored():
    item = PlanItemFactory()
    theirs = ExerciseSessionFactory(plan_item=item, patient=item.plan.episode.patient)
    rows = _sessions(item, 3)
    rows[1].client_id = theirs.client_id

    assert insert_new(rows) == {rows[0].pk, rows[2].pk}
    assert not ExerciseSession.objects.filter(pk=rows[1].pk).exists()


def test_sessions_are_stored_as_bulk_create_stores_them():
    item = PlanItemFactory()
    rows = _sessions(item, 6)

    insert_new(rows)

    assert _stored(ExerciseSession, rows) == _as_bulk_create_stores(ExerciseSession, rows)


def test_values_not_of_their_columns_type_are_prepared_by_their_field():
    # A datetime with another offset, a naive date-time, a str UUID: prepared as the ORM would.
    item = PlanItemFactory()
    rows = _sessions(item, 3)
    rows[0].recorded_at = dt.datetime(2026, 11, 16, 19, 30, tzinfo=PARIS)
    rows[1].client_id = str(uuid.uuid4())
    rows[2].date = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)

    insert_new(rows)

    stored = ExerciseSession.objects.in_bulk([row.pk for row in rows])
    assert stored[rows[0].pk].recorded_at == dt.datetime(2026, 11, 16, 18, 30, tzinfo=dt.UTC)
    assert stored[rows[1].pk].client_id == uuid.UUID(rows[1].client_id)
    assert stored[rows[2].pk].date == dt.date(2026, 11, 10)


def test_check_ins_with_json_text_and_choices_are_stored_as_bulk_create_stores_them(patient):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 9, 1))
    rows = [
        CheckInFactory.build(
            id=uuid.uuid4(),
            patient=patient,
            episode=episode,
            date=DAY - dt.timedelta(days=n),
            notes="Stairs 'were' hard, {really}" if n else "",
            painful_sides=["left", "right"][: n % 3],
            red_flags=["fall_or_injury"] if n == 2 else [],
            advice=[{"rule": "r", "severity": "urgent", "message": "Call."}] if n == 1 else [],
            steps=None if n % 2 else 3000 + n,
        )
        for n in range(4)
    ]

    insert_new(rows)
    stored = _stored(CheckIn, rows)
    CheckIn.objects.filter(pk__in=[row.pk for row in rows]).delete()  # their dates, again

    assert stored == _as_bulk_create_stores(CheckIn, rows)


def test_the_array_form_is_postgresql_s_own_and_other_databases_use_the_orm(monkeypatch):
    answers = []

    def spy(*args):
        answers.append(original(*args))
        return answers[-1]

    original = statements._insert_unnest
    monkeypatch.setattr(statements, "_insert_unnest", spy)
    item = PlanItemFactory()

    stored = insert_new(_sessions(item, 2))
    insert_new(_sessions(item, 1))  # one row: the ORM's own statement

    assert answers == ([stored] if connection.vendor == "postgresql" else [])
    assert len(stored) == 2
    assert ExerciseSession.objects.count() == 3
