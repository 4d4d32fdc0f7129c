from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from tests.episodes.factories import EpisodeFactory

# The clinical-course tests run at a fixed instant: Tuesday 2026-12-01 12:00 UTC (London).
NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
ONSET = dt.date(2026, 9, 1)


@pytest.fixture(autouse=True)
def fixed_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def episode(patient):
    return EpisodeFactory(patient=patient, symptom_onset_date=ONSET, affected_side="left")
