from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import ExerciseFactory

# Every exercise test runs at a fixed instant: Wednesday 2026-11-25 12:00 UTC (London: same
# date), in ISO week 2026-W48.
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episode(patient):
    """The patient's active episode, with symptoms since 2026-09-01."""
    return EpisodeFactory(patient=patient, symptom_onset_date=dt.date(2026, 9, 1))


@pytest.fixture
def exercises(db):
    return ExerciseFactory.create_batch(3)


@pytest.fixture
def recorded_changes(monkeypatch):
    """Calls of episode_record_changed from this app, as (episode id, sorted dates): the
    hook belongs to apps.episodes/apps.flags, so we only check our side of the contract."""
    calls: list[tuple] = []
    from apps.exercises import services

    def record(*, episode, changed_dates):
        calls.append((episode.pk, sorted(changed_dates)))

    monkeypatch.setattr(services, "episode_record_changed", record)
    return calls
