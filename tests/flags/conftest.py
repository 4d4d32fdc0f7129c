from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.episodes.factories import EpisodeFactory

# Engine tests run at 2026-03-10 12:00 UTC (London: the same date).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def episode(patient, clock):
    return EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=60))
