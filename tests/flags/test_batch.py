"""The batch path (the nightly sweep's): many episodes in one transaction store what evaluating
each alone stores, and cost a fixed number of queries per batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.flags.models import Evaluation, Flag, SweepState
from apps.flags.rules import thresholds_in_force
from apps.flags.selectors import build_snapshot
from apps.flags.services import evaluate_snapshot, evaluate_snapshots, flag_resolve
from apps.flags.tasks import sweep_active_episodes
from tests.accounts.factories import PatientFactory
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY
from tests.flags.factories import quiet_checkin
from tests.flags.test_order_properties import history

pytestmark = pytest.mark.django_db

DATES = [TODAY - dt.timedelta(days=n) for n in range(20, -1, -1)]


def _episode_with(days: dict[int, dict]):
    episode = EpisodeFactory(
        patient=PatientFactory(), symptom_onset_date=TODAY - dt.timedelta(days=60)
    )
    for offset, values in days.items():
        quiet_checkin(episode, TODAY - dt.timedelta(days=offset), **values)
    return episode


def _state(episode) -> list[tuple]:
    flags = sorted(
        Flag.objects.filter(episode=episode).values_list(
            "rule",
            "severity",
            "status",
            "resolution",
            "opened_for_date",
            "last_held_on",
            "held_dates",
            "evidence",
            "cleared_on",
        )
    )
    evaluations = list(
        Evaluation.objects.filter(episode=episode)
        .order_by("date")
        .values_list("date", "held", "not_held", "not_evaluated", "nightly")
    )
    return [flags, evaluations]


def _snapshot(episode):
    return build_snapshot(
        episode_id=episode.pk, date_from=DATES[0], thresholds=thresholds_in_force()
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(histories=st.lists(history, min_size=2, max_size=4), late=history)
def test_a_batch_stores_what_evaluating_each_episode_alone_stores(histories, late, clock):
    thresholds = thresholds_in_force()
    batched = [_episode_with(days) for days in histories]
    alone = [_episode_with(days) for days in histories]

    def evaluate_all():
        evaluate_snapshots(
            items=[(_snapshot(episode), DATES) for episode in batched], thresholds=thresholds
        )
        for episode in alone:
            evaluate_snapshot(snapshot=_snapshot(episode), dates=DATES, thresholds=thresholds)

    evaluate_all()
    # The care team resolves the first episode's flags, then late check-ins arrive for every
    # episode (re-opening, withdrawal and updates, in a batch and alone).
    for episode in (batched[0], alone[0]):
        for flag in Flag.objects.filter(episode=episode, status="open").order_by("rule"):
            flag_resolve(flag=flag, by=None, note="Seen in clinic.")
    for episode in [*batched, *alone]:
        taken = set(episode.checkins.values_list("date", flat=True))
        for offset, values in late.items():
            if TODAY - dt.timedelta(days=offset) not in taken:
                quiet_checkin(episode, TODAY - dt.timedelta(days=offset), **values)
    evaluate_all()

    assert [_state(e) for e in batched] == [_state(e) for e in alone]


def test_each_episode_at_most_once_per_batch(episode):
    snapshot = _snapshot(episode)

    with pytest.raises(ValueError, match="at most once"):
        evaluate_snapshots(
            items=[(snapshot, [TODAY]), (snapshot, [TODAY])], thresholds=thresholds_in_force()
        )


def _sweep_queries(clock) -> list[str]:
    clock.shift(dt.timedelta(minutes=30))  # a later run the same day
    SweepState.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        sweep_active_episodes(batch_size=50)
    return [query["sql"] for query in queries.captured_queries]


def _episodes_holding_a_rule(count: int) -> None:
    for _ in range(count):
        episode = _episode_with({})
        quiet_checkin(episode, TODAY, pain_now=2, red_flags=["fall_or_injury"])
        quiet_checkin(episode, TODAY - dt.timedelta(days=1))


def test_the_sweep_costs_the_same_queries_for_more_episodes_and_writes_only_what_changed(
    clock, django_capture_on_commit_callbacks
):
    _episodes_holding_a_rule(2)
    with django_capture_on_commit_callbacks(execute=True):
        _sweep_queries(clock)  # opens the flags and tells who needs to know
    few = _sweep_queries(clock)
    _episodes_holding_a_rule(4)
    with django_capture_on_commit_callbacks(execute=True):
        _sweep_queries(clock)
    more = _sweep_queries(clock)

    assert len(more) == len(few)
    flag_updates = [sql for sql in more if sql.startswith('UPDATE "flags_flag"')]
    # Re-evaluating the same day changes only when each live flag was last seen.
    assert len(flag_updates) == 1
    assert '"last_seen_at"' in flag_updates[0]
    assert '"evidence"' not in flag_updates[0]
    assert '"held_dates"' not in flag_updates[0]
    assert Flag.objects.filter(rule="fall_or_injury", status="open").count() == 6


@pytest.mark.postgres
def test_the_index_scan_read_of_check_ins_returns_what_the_orm_read_returns():
    from apps.flags.selectors import (
        _checkin_data,
        _checkin_rows_by_index_scans,
        _checkin_rows_by_orm,
    )

    one = _episode_with({n: {"painful_sides": ["left", "right"]} for n in range(0, 20, 2)})
    two = _episode_with({n: {"red_flags": ["fever_or_unwell"]} for n in range(1, 12)})
    _episode_with({0: {}})  # outside every window
    windows = [
        (one.pk, TODAY - dt.timedelta(days=15), TODAY),
        (one.pk, TODAY - dt.timedelta(days=19), TODAY - dt.timedelta(days=12)),  # overlaps
        (two.pk, TODAY - dt.timedelta(days=5), TODAY - dt.timedelta(days=5)),
    ]

    def rows(read):
        # By (episode, date), as the snapshot keeps them: a date in two windows may come twice.
        return {(row[0], row[1]): _checkin_data(row[1:]) for row in read(windows)}

    by_index_scans = rows(_checkin_rows_by_index_scans)

    assert by_index_scans == rows(_checkin_rows_by_orm)
    # One's ten check-ins (every other day of the last 20) all fall in a window; two's: 1.
    assert sum(1 for episode_id, _ in by_index_scans if episode_id == one.pk) == 10
    assert len(by_index_scans) == 10 + 1
