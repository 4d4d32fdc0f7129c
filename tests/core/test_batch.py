"""apps.core.batch: the machinery every batch of client-id items shares (check-ins and
exercise sessions use it; tests/checkins/test_sync.py and tests/exercises/test_sessions.py hold
their API behaviour). Here: its steps on their own, on exercise-session and check-in rows."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from apps.checkins.models import CheckIn
from apps.core.batch import BatchPlan, NaturalKey, insert_new_rows, read_stored, resolve_repeats
from apps.core.sync import ItemResult, ItemStatus
from apps.exercises.models import ExerciseSession
from tests.checkins.factories import CheckInFactory
from tests.exercises.factories import ExerciseSessionFactory, PlanItemFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 16)


def _session(plan_item, client_id=None):
    episode = plan_item.plan.episode
    return ExerciseSession(
        id=uuid.uuid4(),
        patient=episode.patient,
        episode=episode,
        plan_item=plan_item,
        client_id=client_id or uuid.uuid4(),
        date=DAY,
        sets_done=2,
        recorded_at=dt.datetime(2026, 11, 16, 18, tzinfo=dt.UTC),
    )


def test_read_stored_reads_only_well_formed_client_ids_of_the_senders_rows():
    stored = ExerciseSessionFactory()
    other = ExerciseSessionFactory()
    items = [{"client_id": str(stored.client_id)}, {"client_id": "nope"}, "junk", {}]
    items.append({"client_id": str(other.client_id)})

    client_ids, found = read_stored(ExerciseSession.objects.filter(patient=stored.patient), items)

    assert client_ids == [stored.client_id, None, None, None, other.client_id]
    assert found == {stored.client_id: stored}


def test_insert_tells_ours_from_a_concurrent_row_and_records_only_ours():
    item = PlanItemFactory()
    theirs = ExerciseSessionFactory(plan_item=item)  # stored "concurrently" under our client_id
    ours, raced = _session(item), _session(item, client_id=theirs.client_id)
    recorded = []

    outcomes = insert_new_rows(
        queryset=ExerciseSession.objects.filter(patient=theirs.patient),
        rows={0: ours, 1: raced},
        record_created=recorded.append,
    )

    assert outcomes[0].status == ItemStatus.CREATED
    assert outcomes[0].stored.pk == ours.pk
    assert outcomes[1].status == ItemStatus.UNCHANGED
    assert outcomes[1].stored.pk == theirs.pk
    assert [[row.pk for row in rows] for rows in recorded] == [[ours.pk]]


def test_a_held_natural_key_is_a_conflict_with_its_holder(patient):
    from tests.episodes.factories import EpisodeFactory

    episode = EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 9, 1))
    holder = CheckInFactory(episode=episode, date=DAY)
    sent = CheckInFactory.build(episode=episode, patient=patient, date=DAY, id=uuid.uuid4())
    recorded = []

    outcomes = insert_new_rows(
        queryset=CheckIn.objects.filter(patient=patient),
        rows={0: sent},
        natural_key=NaturalKey("date", CheckIn.objects.filter(episode=episode)),
        record_created=recorded.append,
    )

    assert outcomes[0].status == ItemStatus.CONFLICT
    assert outcomes[0].stored.pk == holder.pk
    assert recorded == []
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_nothing_to_insert_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert (
            insert_new_rows(queryset=ExerciseSession.objects.all(), rows={}, record_created=print)
            == {}
        )


def test_the_plan_notes_repeats_of_a_client_id_and_of_a_natural_key():
    plan: BatchPlan[ExerciseSession] = BatchPlan()
    first = ExerciseSession(id=uuid.uuid4(), client_id=uuid.uuid4(), date=DAY)
    plan.add(0, first, key=DAY)

    assert plan.repeats_client_id(1, first.client_id)
    assert not plan.repeats_client_id(2, uuid.uuid4())
    assert not plan.repeats_client_id(2, None)
    assert plan.repeats_key(3, DAY)
    assert not plan.repeats_key(4, DAY + dt.timedelta(days=1))
    assert plan.repeats == {1: ("client_id", 0), 3: ("key", 0)}
    assert plan.new_rows == {0: first}


@pytest.mark.parametrize(
    ("earlier", "kind", "expected"),
    [
        (ItemStatus.CREATED, "client_id", ItemStatus.UNCHANGED),
        (ItemStatus.UNCHANGED, "client_id", ItemStatus.UNCHANGED),
        (ItemStatus.CONFLICT, "client_id", ItemStatus.CONFLICT),
        (ItemStatus.INVALID, "client_id", ItemStatus.INVALID),
        (ItemStatus.CREATED, "key", ItemStatus.CONFLICT),
        (ItemStatus.INVALID, "key", ItemStatus.INVALID),
    ],
)
def test_a_repeat_gets_what_its_earlier_item_got(earlier, kind, expected):
    first_id = uuid.uuid4()
    results = [
        ItemResult(earlier, id=first_id, advice=[{"rule": "first"}]),
        None,
    ]

    resolve_repeats(
        results,
        {1: (kind, 0)},
        not_stored="Not stored.",
        own_advice={1: [{"rule": "own"}]},
    )

    repeat = results[1]
    assert repeat.status == expected
    assert repeat.advice == ([{"rule": "own"}] if kind == "key" else [{"rule": "first"}])
    if expected == ItemStatus.INVALID:
        assert repeat.errors == {"non_field_errors": ["Not stored."]}
        assert repeat.id is None
    else:
        assert repeat.id == first_id
