"""The nightly sweep as leased chunks (apps/flags/sweep.py): the chunks partition the active
episodes, helpers are published once, a chunk whose worker died is claimed again after its
lease (and only then), and a chunk is given up after its attempts."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.episodes.models import Episode
from apps.flags import services
from apps.flags import sweep as sweeping
from apps.flags.models import SweepChunk, SweepState
from apps.flags.tasks import sweep_active_episodes
from tests.accounts.factories import PatientFactory
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_chunks(settings):
    settings.FLAG_SWEEP = {
        **settings.FLAG_SWEEP,
        "CHUNK_SIZE": 3,
        "BATCH_SIZE": 2,
        "LEASE_SECONDS": 60,
    }
    return sweeping.sweep_config()


@pytest.fixture
def recorded(monkeypatch):
    """Every episode id the sweep evaluates, in order (the real evaluation still runs)."""
    seen: list = []
    real = services.episodes_evaluate_today

    def recording(*, episode_ids, thresholds):
        seen.extend(episode_ids)
        return real(episode_ids=episode_ids, thresholds=thresholds)

    monkeypatch.setattr(services, "episodes_evaluate_today", recording)
    return seen


def _episodes(count: int) -> list[Episode]:
    return [
        EpisodeFactory(patient=PatientFactory(), symptom_onset_date=TODAY - dt.timedelta(days=30))
        for _ in range(count)
    ]


def test_the_chunks_partition_the_active_episodes_and_each_is_evaluated_once(
    clock, small_chunks, recorded
):
    episodes = _episodes(10)
    resolved = EpisodeFactory(patient=PatientFactory(), status="resolved", resolved_on=TODAY)

    assert sweep_active_episodes() == 10

    chunks = list(SweepChunk.objects.order_by("number"))
    assert len(chunks) == 4  # 3 + 3 + 3 + 1, the first and the last open-ended
    assert chunks[0].after_id is None
    assert chunks[-1].through_id is None
    assert [c.through_id for c in chunks[:-1]] == [c.after_id for c in chunks[1:]]
    assert [c.evaluated for c in chunks] == [3, 3, 3, 1]
    assert all(c.done_at and c.attempts == 1 for c in chunks)
    assert sorted(recorded) == sorted(e.pk for e in episodes)
    assert resolved.pk not in recorded
    state = SweepState.objects.get()
    assert state.finished_at is not None
    assert state.last_episode_id == max(e.pk for e in episodes)
    assert sweep_active_episodes() == 0  # finished today: a later tick does nothing


def test_the_planning_tick_publishes_one_helper_per_extra_parallel_task_once(
    clock, settings, small_chunks
):
    settings.FLAG_SWEEP = {**settings.FLAG_SWEEP, "PARALLEL_TASKS": 3}
    _episodes(10)
    published: list[int] = []

    evaluated = sweeping.sweep_run(TODAY, publish_helper=lambda: published.append(1))
    assert (evaluated, len(published)) == (10, 2)
    SweepState.objects.update(finished_at=None)
    sweeping.sweep_run(TODAY, publish_helper=lambda: published.append(1))
    assert len(published) == 2  # planned once a day: later ticks publish nothing


def test_a_chunk_whose_worker_died_is_claimed_again_once_its_lease_has_run_out(
    clock, small_chunks, recorded
):
    episodes = _episodes(7)
    state, planned = sweeping.sweep_plan(TODAY, small_chunks)
    assert planned
    dead = sweeping.chunk_claim(state, holder="dead-worker", config=small_chunks)
    assert dead.number == 0  # claimed, then the worker is killed before evaluating

    assert sweeping.sweep_work(TODAY, config=small_chunks) == 4  # the other two chunks
    assert SweepState.objects.get().finished_at is None
    assert sweeping.sweep_work(TODAY, config=small_chunks) == 0  # the lease still holds

    clock.shift(dt.timedelta(seconds=61))
    assert sweeping.sweep_work(TODAY, config=small_chunks) == 3
    redone = SweepChunk.objects.get(pk=dead.pk)
    assert (redone.attempts, redone.evaluated, redone.done_at is not None) == (2, 3, True)
    assert redone.claimed_by != "dead-worker"
    assert sorted(recorded) == sorted(e.pk for e in episodes)  # once each
    assert SweepState.objects.get().finished_at is not None


def test_a_worker_whose_chunk_was_taken_over_stops_and_does_not_mark_it_done(clock, small_chunks):
    _episodes(3)
    state, _ = sweeping.sweep_plan(TODAY, small_chunks)
    chunk = sweeping.chunk_claim(state, holder="slow", config=small_chunks)
    SweepChunk.objects.filter(pk=chunk.pk).update(claimed_by="other")

    evaluated = sweeping.chunk_evaluate(
        chunk, holder="slow", config=small_chunks, thresholds=services_thresholds()
    )
    assert evaluated == 2  # its first batch, then the renewal failed
    assert SweepChunk.objects.get(pk=chunk.pk).done_at is None


def test_a_chunk_is_given_up_after_its_attempts_and_the_sweep_still_finishes(
    clock, settings, small_chunks
):
    settings.FLAG_SWEEP = {**settings.FLAG_SWEEP, "MAX_ATTEMPTS": 2}
    config = sweeping.sweep_config()
    _episodes(4)
    state, _ = sweeping.sweep_plan(TODAY, config)
    for _ in range(2):
        assert sweeping.chunk_claim(state, holder="dying", config=config).number == 0
        clock.shift(dt.timedelta(seconds=61))

    assert sweeping.sweep_work(TODAY, config=config) == 1  # chunk 1 only
    assert SweepChunk.objects.get(number=0).done_at is None
    assert SweepState.objects.get().finished_at is not None


def services_thresholds():
    from apps.flags.rules import thresholds_in_force

    return thresholds_in_force()
