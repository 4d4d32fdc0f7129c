"""On PostgreSQL with real threads and a real worker (skipped on the embedded defaults)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.timezones import local_today
from apps.flags.models import Flag
from apps.flags.services import episode_evaluate
from tests.accounts.factories import CareTeamFactory, PatientFactory, physio_in
from tests.checkins.factories import checkin_payload
from tests.conftest import wait_until
from tests.episodes.factories import EpisodeFactory
from tests.flags.factories import quiet_checkin


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_of_one_episode_at_once_leave_one_flag():
    episode = EpisodeFactory(patient=PatientFactory())
    today = local_today(episode.patient.timezone)
    quiet_checkin(episode, today, red_flags=["fall_or_injury"])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def evaluate():
        try:
            barrier.wait(timeout=10)
            episode_evaluate(episode_id=episode.pk, dates=[today])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=evaluate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert Flag.objects.filter(episode=episode, rule="fall_or_injury").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_evaluations_racing_past_the_read_still_leave_one_flag():
    """Both evaluations insert without seeing each other: the constraint decides."""
    from apps.flags.rules import RULES_BY_CODE, thresholds_in_force
    from apps.flags.selectors import build_snapshot
    from apps.flags.walk import EvaluationOutcome, _insert_flags, _new_flag

    episode = EpisodeFactory(patient=PatientFactory())
    today = local_today(episode.patient.timezone)
    quiet_checkin(episode, today, red_flags=["fall_or_injury"])
    rule = RULES_BY_CODE["fall_or_injury"]
    snapshot = build_snapshot(
        episode_id=episode.pk, date_from=today, thresholds=thresholds_in_force()
    )
    result = rule.evaluate(snapshot, thresholds_in_force())
    barrier = threading.Barrier(2)
    outcomes = [EvaluationOutcome(), EvaluationOutcome()]

    def open_one(outcome):
        from django.db import transaction

        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                flag = _new_flag(rule, snapshot, result, today, timezone.now())
                _insert_flags([(flag, outcome)])
        finally:
            connection.close()

    threads = [threading.Thread(target=open_one, args=(o,)) for o in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert Flag.objects.filter(episode=episode).count() == 1
    assert sorted(len(o.opened) for o in outcomes) == [0, 1]
    assert sorted(len(o.updated) for o in outcomes) == [0, 1]


@pytest.mark.postgres
@pytest.mark.redis
def test_no_weight_bearing_gets_advice_in_its_201_and_a_flag_in_the_care_team_queue(
    celery_worker,
):
    team = CareTeamFactory()
    physio = physio_in(team)
    patient = PatientFactory(care_team=team)
    EpisodeFactory(patient=patient)
    patient_client, physio_client = APIClient(), APIClient()
    patient_client.force_authenticate(patient.user)
    physio_client.force_authenticate(physio)
    today = local_today(patient.timezone)

    response = patient_client.post(
        "/api/v1/checkins/", checkin_payload(today, weight_bearing="none"), format="json"
    )

    assert response.status_code == 201
    [advice] = response.json()["advice"]
    assert (advice["rule"], advice["severity"]) == ("cannot_bear_weight", "emergency")
    assert "999" in advice["message"]

    def queued():
        results = physio_client.get("/api/v1/flags/?status=open").json()["results"]
        return [item["rule"] for item in results]

    assert wait_until(lambda: queued() == ["cannot_bear_weight"], timeout=30)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_sweep_and_per_check_in_evaluations_at_once_leave_one_flag_each():
    """The sweep locks a batch of episodes' flags while single evaluations (after check-ins)
    lock one episode's: both in one order, so they wait for each other, never deadlock."""
    from apps.flags.tasks import sweep_active_episodes

    episodes = [EpisodeFactory(patient=PatientFactory()) for _ in range(12)]
    for episode in episodes:
        quiet_checkin(episode, local_today(episode.patient.timezone), red_flags=["fall_or_injury"])
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def run(work):
        try:
            barrier.wait(timeout=10)
            work()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    def evaluate_each(order):
        for episode in order:
            episode_evaluate(episode_id=episode.pk, dates=[local_today(episode.patient.timezone)])

    work = [
        lambda: sweep_active_episodes(batch_size=5),
        lambda: evaluate_each(episodes),
        lambda: evaluate_each(list(reversed(episodes))),
    ]
    threads = [threading.Thread(target=run, args=(w,)) for w in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    for episode in episodes:
        assert Flag.objects.filter(episode=episode, rule="fall_or_injury").count() == 1
