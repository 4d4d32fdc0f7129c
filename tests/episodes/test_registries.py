"""apps.episodes reads what a higher record app holds only through registries the higher app
fills: the episode admin's inlines (apps.checkins, apps.exercises admin modules) and the date
of the first check-in that an onset date may not pass (CheckinsConfig.ready())."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin

from apps.checkins.admin import CheckInInline
from apps.checkins.selectors import first_checkin_date_of_episode
from apps.episodes.models import Episode
from apps.episodes.readers import earliest_record_nouns, earliest_record_of
from apps.exercises.admin import ExercisePlanInline
from tests.checkins.factories import CheckInFactory
from tests.episodes.conftest import TODAY
from tests.episodes.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def test_the_episode_admin_shows_check_ins_then_plans():
    assert admin.site._registry[Episode].inlines == [CheckInInline, ExercisePlanInline]


def test_check_ins_register_their_first_date_for_the_onset_check(patient):
    from apps.episodes import readers

    assert earliest_record_nouns() == ("a check-in",)
    assert readers._earliest_record_readers["a check-in"] is first_checkin_date_of_episode
    episode = EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=30))
    assert earliest_record_of(episode) is None
    CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=5))
    CheckInFactory(episode=episode, date=TODAY - dt.timedelta(days=9))
    earliest = earliest_record_of(episode)
    assert (earliest.date, earliest.noun) == (TODAY - dt.timedelta(days=9), "a check-in")


def test_an_onset_date_after_the_first_check_in_is_refused(physio_client, patient):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=30))
    first = TODAY - dt.timedelta(days=9)
    CheckInFactory(episode=episode, date=first)

    refused = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/",
        {"symptom_onset_date": str(first + dt.timedelta(days=1))},
        format="json",
    )
    accepted = physio_client.patch(
        f"/api/v1/episodes/{episode.id}/", {"symptom_onset_date": str(first)}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "symptom_onset_date": [
            f"The episode has a check-in on {first.isoformat()}, before this onset date."
        ]
    }
    assert accepted.status_code == 200
    episode.refresh_from_db()
    assert episode.symptom_onset_date == first


def test_the_record_change_kick_is_a_hook_the_flag_engine_listens_to(
    patient, django_capture_on_commit_callbacks
):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=TODAY - dt.timedelta(days=30))
    from apps.episodes.record_changes import record_change_committed, record_change_write
    from apps.flags.tasks import kick_record_changes

    assert kick_record_changes in record_change_committed.listeners
    calls = []

    def failing(_):
        calls.append("failing")
        raise RuntimeError("broker down")

    def counting(_):
        calls.append("counting")

    record_change_committed.register(failing)
    record_change_committed.register(counting)
    record_change_committed.register(counting)  # twice: still once
    try:
        with django_capture_on_commit_callbacks(execute=True):
            record_change_write(episode=episode, changed_dates=[TODAY])
    finally:
        record_change_committed.unregister(failing)
        record_change_committed.unregister(counting)

    assert calls == ["failing", "counting"]  # a failing kick never stops the others
