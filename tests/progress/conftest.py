"""Patients with a course of check-ins at a chosen week, under a frozen clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import pytest
import time_machine
from rest_framework.test import APIClient

from apps.accounts.models import Patient
from apps.episodes.models import Episode
from tests.accounts.factories import PatientFactory
from tests.dashboard.factories import CheckInFactory, EpisodeFactory
from tests.outcomes.factories import psfs_answers, stored_response

#: 12:00 UTC on Tuesday 10 March 2026 (same local date in London and Madrid).
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def course(patient: Patient, *, week: int, pains: Sequence[int], **episode_fields) -> Episode:
    """An episode whose onset is ``week`` weeks before today, with one check-in per day
    ending today: ``pains[-1]`` today, ``pains[-2]`` yesterday, ..."""
    episode = EpisodeFactory(
        patient=patient,
        symptom_onset_date=TODAY - dt.timedelta(days=7 * week + 3),
        **episode_fields,
    )
    for back, pain in enumerate(reversed(pains)):
        CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=back), pain_now=pain)
    return episode


def ramp(start: float, end: float, days: int) -> list[int]:
    return [round(start + (end - start) * i / (days - 1)) for i in range(days)]


def short_and_long_records(
    short: Patient, long: Patient, *, extra: Callable[[Episode], object] = lambda _e: None
) -> None:
    """For the query-count tests: ``short`` at week 3 with 14 check-ins and one PSFS, ``long``
    at week 40 with 280 check-ins and a PSFS every two weeks; ``extra`` adds to each episode."""
    short_episode = course(short, week=3, pains=[4] * 14)
    extra(short_episode)
    stored_response(episode=short_episode, day=TODAY, answers=psfs_answers(3, 3, 3))
    episode = course(long, week=40, pains=ramp(2, 8, 140) + ramp(8, 3, 140))
    extra(episode)
    for back in range(0, 280, 14):
        stored_response(
            episode=episode, day=TODAY - dt.timedelta(days=back), answers=psfs_answers(3, 4, 5)
        )


@pytest.fixture
def client_of() -> Callable[[Patient], APIClient]:
    def make(patient: Patient) -> APIClient:
        client = APIClient()
        client.force_authenticate(patient.user)
        return client

    return make


@pytest.fixture
def new_patient(care_team) -> Callable[..., Patient]:
    def make(**fields) -> Patient:
        return PatientFactory(care_team=care_team, **fields)

    return make
