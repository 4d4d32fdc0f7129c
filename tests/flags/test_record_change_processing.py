"""The flag engine's side of the record-change outbox: `flags.process_record_changes` claims
the rows every write leaves, evaluates each episode from its earliest changed date through the
patient's local today, retries a failed evaluation after a backoff and never loses a change.

The after-commit kick is left out on purpose here (callbacks captured, not run): it is the
broker's part, which may be lost; the task below is what the minute beat tick runs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError

from apps.episodes.models import RecordChange
from apps.flags import services
from apps.flags.models import Evaluation, Flag
from apps.flags.tasks import evaluate_episode, process_record_changes, sweep_active_episodes
from tests.accounts.factories import PatientFactory
from tests.episodes.factories import EpisodeFactory
from tests.flags.conftest import TODAY
from tests.flags.factories import checkin_payload, quiet_checkin

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def fall(day: dt.date) -> dict:
    return checkin_payload(day, red_flags=["fall_or_injury"])


def post_without_kick(client, body, capture) -> None:
    """POST a check-in whose after-commit kick is lost (as with the broker down)."""
    with capture(execute=False):
        response = client.post("/api/v1/checkins/", body, format="json")
    assert response.status_code == 201, response.content


def pending() -> int:
    return RecordChange.objects.filter(processed_at__isnull=True).count()


def test_a_late_fall_is_flagged_for_its_own_date_by_the_tick_when_the_kick_was_lost(
    patient_client, episode, django_capture_on_commit_callbacks
):
    post_without_kick(patient_client, fall(days_ago(5)), django_capture_on_commit_callbacks)
    assert not Flag.objects.exists()
    assert pending() == 1

    assert process_record_changes() == 1

    flag = Flag.objects.get(episode=episode)
    assert (flag.rule, flag.severity, flag.opened_for_date) == (
        "fall_or_injury",
        "emergency",
        days_ago(5),
    )
    # From the changed date through the patient's local today.
    assert sorted(Evaluation.objects.filter(episode=episode).values_list("date", flat=True)) == [
        days_ago(n) for n in range(5, -1, -1)
    ]
    assert pending() == 0
    assert process_record_changes() == 0  # nothing left


def test_changes_of_one_episode_are_evaluated_once_from_the_earliest_date(
    patient_client, episode, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    real = services.episode_evaluate

    def counting(**kwargs):
        calls.append((kwargs["episode_id"], kwargs.get("dates")))
        return real(**kwargs)

    monkeypatch.setattr(services, "episode_evaluate", counting)
    for day in (days_ago(1), days_ago(3), days_ago(2)):
        post_without_kick(patient_client, checkin_payload(day), django_capture_on_commit_callbacks)

    assert process_record_changes() == 3

    assert calls == [(episode.pk, [days_ago(n) for n in (3, 2, 1, 0)])]


def test_a_whole_episode_change_evaluates_from_the_latest_date_with_a_check_in(
    physio_client, episode, django_capture_on_commit_callbacks
):
    quiet_checkin(episode, days_ago(3), red_flags=["fall_or_injury"])  # stored, never evaluated
    with django_capture_on_commit_callbacks(execute=False):
        response = physio_client.patch(
            f"/api/v1/episodes/{episode.id}/", {"affected_side": "right"}, format="json"
        )
    assert response.status_code == 200
    assert RecordChange.objects.get().from_date is None

    process_record_changes()

    assert Flag.objects.get(episode=episode).opened_for_date == days_ago(3)


def test_a_database_error_keeps_the_change_and_a_later_run_evaluates_it(
    patient_client, episode, clock, django_capture_on_commit_callbacks, monkeypatch
):
    other = EpisodeFactory(patient=PatientFactory(), symptom_onset_date=days_ago(60))
    quiet_checkin(other, TODAY, red_flags=["fall_or_injury"])
    RecordChange.objects.create(episode=other, from_date=TODAY)
    post_without_kick(patient_client, fall(days_ago(2)), django_capture_on_commit_callbacks)
    real = services.episode_evaluate
    failing = {episode.pk}

    def flaky(**kwargs):
        if kwargs["episode_id"] in failing:
            raise OperationalError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "episode_evaluate", flaky)

    assert process_record_changes() == 1  # the other episode's change

    change = RecordChange.objects.get(episode=episode)
    assert (change.processed_at, change.attempts, change.last_error) == (
        None,
        1,
        "OperationalError",
    )
    assert Flag.objects.filter(episode=other).exists()
    assert not Flag.objects.filter(episode=episode).exists()
    assert process_record_changes() == 0  # still backing off

    failing.clear()
    clock.shift(change.available_at - change.claimed_at)
    assert process_record_changes() == 1

    change.refresh_from_db()
    assert change.processed_at is not None
    assert change.attempts == 2
    assert Flag.objects.get(episode=episode).opened_for_date == days_ago(2)


def test_a_run_that_stops_early_asks_for_the_rest_at_once(settings, clock):
    episodes = [EpisodeFactory(patient=PatientFactory()) for _ in range(5)]
    for other in episodes:
        RecordChange.objects.create(episode=other, from_date=TODAY)
    settings.RECORD_CHANGES = {"BATCH_SIZE": 2, "MAX_BATCHES": 1}

    # Eager in tests: the follow-up run the task publishes runs at once.
    assert process_record_changes() == 2
    assert pending() == 0


def test_a_queued_evaluate_episode_of_an_earlier_deploy_still_evaluates(episode):
    quiet_checkin(episode, days_ago(4), red_flags=["fall_or_injury"])

    evaluate_episode(str(episode.pk), [days_ago(4).isoformat()])

    assert Flag.objects.get(episode=episode).opened_for_date == days_ago(4)
    assert Evaluation.objects.filter(episode=episode).count() == 5


def test_the_nightly_sweep_evaluates_each_episodes_local_today(clock):
    # 2026-03-10 12:00 UTC is already 2026-03-11 in Auckland and still 2026-03-10 in Honolulu.
    east = EpisodeFactory(patient=PatientFactory(timezone="Pacific/Auckland"))
    west = EpisodeFactory(patient=PatientFactory(timezone="Pacific/Honolulu"))

    assert sweep_active_episodes() == 2

    assert list(Evaluation.objects.filter(episode=east).values_list("date", flat=True)) == [
        TODAY + dt.timedelta(days=1)
    ]
    assert list(Evaluation.objects.filter(episode=west).values_list("date", flat=True)) == [TODAY]
