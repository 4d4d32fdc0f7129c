from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.episodes.factories import EpisodeFactory

# Every check-in test runs at a fixed instant: 2026-03-10 12:00 UTC (London: same date).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episode(patient):
    """The patient's active episode, with symptoms since 60 days before TODAY."""
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))
