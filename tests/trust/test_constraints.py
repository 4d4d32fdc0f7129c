"""The database itself makes duplicate and out-of-range rows impossible, even for code that
bypasses the API and the services (bulk_create, raw SQL). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from apps.exercises.models import ExerciseSession
from apps.flags.models import Flag
from apps.notifications.models import Notification
from tests.trust import figures
from tests.trust.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    return build_world().target


def refused(action) -> bool:
    """Whether the database refused ``action`` (and nothing of it stayed)."""
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        figures.bump("constraint_bypasses_refused")
        return True
    return False


def clone(instance, **changes):
    """An unsaved copy of ``instance`` with a new id and ``changes``."""
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if not field.primary_key
    }
    values.update(changes)
    return type(instance)(id=uuid.uuid4(), **values)


def test_second_checkin_for_the_same_date_is_refused(record):
    original = record.checkins[0]
    assert refused(lambda: CheckIn.objects.bulk_create([clone(original, client_id=uuid.uuid4())]))
    assert CheckIn.objects.filter(episode=original.episode, date=original.date).count() == 1


def test_repeated_client_id_is_refused(record):
    original = record.checkins[0]
    duplicate = clone(original, date=original.date + dt.timedelta(days=5))
    assert refused(lambda: CheckIn.objects.bulk_create([duplicate]))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_now", 11),
        ("pain_now", -1),
        ("pain_worst_24h", 99),
        ("pain_weight_bearing", 11),
        ("morning_stiffness_minutes", 1441),
    ],
)
def test_out_of_range_checkin_values_are_refused(record, field, value):
    original = record.checkins[0]
    row = clone(
        original,
        client_id=uuid.uuid4(),
        date=original.date + dt.timedelta(days=9),
        **{field: value},
    )
    assert refused(lambda: CheckIn.objects.bulk_create([row]))


@pytest.mark.parametrize(
    ("column", "value"), [("pain_now", 42), ("pain_worst_24h", -3), ("walking_aid", "'skis'")]
)
def test_raw_sql_cannot_write_out_of_range_values(record, column, value):
    table = CheckIn._meta.db_table
    checkin_id = (
        record.checkins[0].pk.hex if connection.vendor == "sqlite" else record.checkins[0].pk
    )

    def update():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {column} = {value} WHERE id = %s",  # noqa: S608 - fixed names
                [checkin_id],
            )

    assert refused(update)
    record.checkins[0].refresh_from_db()
    assert record.checkins[0].pain_now == 6


def test_second_active_episode_is_refused(record):
    assert refused(lambda: Episode.objects.bulk_create([clone(record.episode, client_id=None)]))


def test_second_live_flag_for_the_same_rule_is_refused(record):
    assert refused(lambda: Flag.objects.bulk_create([clone(record.flag)]))


def test_unknown_flag_severity_is_refused(record):
    assert refused(lambda: Flag.objects.filter(pk=record.flag.pk).update(severity="critical"))


def test_exercise_session_pain_out_of_range_is_refused(record):
    session = record.sessions[0]
    row = clone(session, client_id=uuid.uuid4(), date=session.date + dt.timedelta(days=3))
    row.pain_during = 12
    assert refused(lambda: ExerciseSession.objects.bulk_create([row]))


def test_repeated_session_client_id_is_refused(record):
    session = record.sessions[0]
    row = clone(session, date=session.date + dt.timedelta(days=3))
    assert refused(lambda: ExerciseSession.objects.bulk_create([row]))


def test_a_notification_cannot_be_stored_twice_under_one_dedup_key(record):
    assert refused(lambda: Notification.objects.bulk_create([clone(record.notification)]))
