"""Fault injection against real services: a private redis-server (broker and cache) that the
test kills and restarts, PostgreSQL, and real Celery workers (one in process, others as
processes the test kills with SIGKILL).

- Broker (and cache) unreachable, twice the same day: check-ins reporting a fall are still
  accepted and stored with their record-change rows; once Redis is back the worker and the
  beat tick open every emergency flag for its own date (no sweep).
- A worker killed in the middle of an evaluation: another worker claims its record changes
  once the lease has run out.
- A worker killed in the middle of a notification task: exactly one delivery once another
  worker picks the task up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.checkins.models import CheckIn
from apps.core.timezones import local_today
from apps.episodes.models import RecordChange
from apps.flags.models import Flag, SweepState
from tests.accounts.factories import CareTeamFactory, PatientFactory
from tests.checkins.factories import checkin_payload
from tests.conftest import wait_until
from tests.consent.factories import accepted
from tests.episodes.factories import EpisodeFactory
from tests.trust import figures

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    import redis

    try:
        return bool(redis.Redis(port=port, socket_connect_timeout=0.5).ping())
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def private_redis():
    """A redis-server of the test's own, so killing it harms nobody else."""
    port = _free_port()
    state = SimpleNamespace(process=None, port=port, url=f"redis://127.0.0.1:{port}/0")

    def start() -> None:
        state.process = subprocess.Popen(  # noqa: S603 - a fixed command
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(lambda: _answers(port), timeout=10), "private redis did not start"

    def kill() -> None:
        state.process.send_signal(signal.SIGKILL)
        state.process.wait(timeout=10)
        figures.bump("faults_injected")

    state.start, state.kill = start, kill
    start()
    yield state
    if state.process.poll() is None:
        state.process.kill()
        state.process.wait(timeout=10)


@contextlib.contextmanager
def celery_publishing_to(url: str):
    """Point this process's Celery app at ``url`` (not eager), and back afterwards.

    The read and write URLs must be set too: Celery derives them from ``broker_url`` once
    and keeps them (STACK.md: a changed ``broker_url`` alone leaves tasks on the old broker)."""
    from backend.celery import app

    keys = ("broker_url", "broker_read_url", "broker_write_url", "task_always_eager")
    saved = {key: app.conf.get(key) for key in keys}

    def drop_pools() -> None:
        # Dropped, not closed: a producer of the old pool may still be in use elsewhere.
        app._pool = None
        app.amqp._producer_pool = None

    app.conf.update(
        broker_url=url, broker_read_url=url, broker_write_url=url, task_always_eager=False
    )
    drop_pools()
    try:
        yield app
    finally:
        app.conf.update(saved)
        drop_pools()


@pytest.fixture
def fail_open_cache_on(settings):
    def point_at(url: str) -> None:
        settings.CACHES = {
            "default": {
                "BACKEND": "apps.core.cache.FailOpenRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }

    return point_at


def _subprocess_env(*, broker_url: str, channel_dir: Path, **extra: str) -> dict[str, str]:
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}"
    )
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.trust.fault_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "FAULT_CHANNEL_DIR": str(channel_dir),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


def _log_output(name: str):
    """Where a subprocess's own output goes: the run's log folder (the test settings send its
    log records there too), so CI's scan (tests/trust/log_scan.py) reads all of it."""
    return (settings.TEST_LOG_DIR / f"fault-{name}-{uuid.uuid4().hex[:8]}.out").open("wb")


def _start_worker(
    *, broker_url: str, channel_dir: Path, block: bool, block_evaluation: bool = False
) -> subprocess.Popen:
    env = _subprocess_env(
        broker_url=broker_url,
        channel_dir=channel_dir,
        FAULT_CHANNEL_BLOCK="1" if block else "0",
        FAULT_EVALUATION_BLOCK="1" if block_evaluation else "0",
    )
    with _log_output("worker") as output:
        return subprocess.Popen(  # noqa: S603 - our own worker command
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "solo"]
            + ["--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
            + ["--include", "tests.trust.fault_hooks"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _start_beat(*, broker_url: str, channel_dir: Path) -> subprocess.Popen:
    """celery beat with tests/trust/fault_settings.py's schedule: only the record-change tick,
    every 2 seconds (no sweep entry at all)."""
    env = _subprocess_env(broker_url=broker_url, channel_dir=channel_dir)
    with _log_output("beat") as output:
        return subprocess.Popen(  # noqa: S603 - our own beat command
            [sys.executable, "-m", "celery", "-A", "backend", "beat", "--loglevel", "INFO"]
            + ["--schedule", str(channel_dir / "beat-schedule")]
            + ["--pidfile", str(channel_dir / "beat.pid")],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _stop(*processes: subprocess.Popen | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _falling_patient(day_offset: int) -> tuple[APIClient, object, dict]:
    """A consenting patient with an active episode and a check-in reporting a fall for
    ``day_offset`` days before their local today (not sent yet)."""
    patient = PatientFactory(care_team=CareTeamFactory(), timezone="Europe/London")
    accepted(patient)
    today = local_today(patient.timezone)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=today - dt.timedelta(days=40))
    client = APIClient()
    client.force_authenticate(patient.user)
    day = today - dt.timedelta(days=day_offset)
    body = checkin_payload(
        day, recorded_at=timezone.now().isoformat(), red_flags=["fall_or_injury"]
    )
    return client, episode, body


def _flagged_for_their_dates(expected: dict) -> bool:
    """Every episode of ``expected`` ({episode_id: date}) has its emergency fall flag, opened
    for the date of the check-in that reported the fall."""
    flags = Flag.objects.filter(episode_id__in=list(expected), rule="fall_or_injury")
    found = {flag.episode_id: (flag.opened_for_date, flag.severity) for flag in flags}
    return found == {pk: (day, "emergency") for pk, day in expected.items()}


def test_falls_sent_while_redis_is_down_are_flagged_for_their_dates_once_it_is_back(
    private_redis, fail_open_cache_on, tmp_path
):
    """Two outages the same day. The kicks are lost with the broker; the worker and the beat
    tick (its real process, with only the record-change entry in its schedule) open every
    emergency flag, for its own date, within 2 minutes of each return. No sweep runs."""
    fail_open_cache_on(private_redis.url)  # production: one Redis for cache and broker
    worker = _start_worker(broker_url=private_redis.url, channel_dir=tmp_path, block=False)
    beat = _start_beat(broker_url=private_redis.url, channel_dir=tmp_path)
    try:
        with celery_publishing_to(private_redis.url):
            # The worker is up: an ordinary check-in is evaluated through its kick.
            client, episode, body = _falling_patient(0)
            assert client.post("/api/v1/checkins/", body, format="json").status_code == 201
            assert wait_until(lambda: _flagged_for_their_dates({episode.pk: body_date(body)}), 60)

            expected: dict = {}
            for outage, offsets in enumerate([(0, 5, 0, 1, 0), (0, 3, 0)]):
                private_redis.kill()
                sent = [_falling_patient(offset) for offset in offsets]
                for client, episode, body in sent:
                    response = client.post("/api/v1/checkins/", body, format="json")
                    assert response.status_code == 201, response.content[:500]
                    assert "fall_or_injury" in [a["rule"] for a in response.json()["advice"]]
                    expected[episode.pk] = body_date(body)
                figures.bump("rows_submitted_during_faults", len(sent))
                stored = CheckIn.objects.filter(episode_id__in=[e.pk for _, e, _ in sent])
                figures.bump("rows_lost", len(sent) - stored.count())
                assert stored.count() == len(sent)
                assert RecordChange.objects.filter(
                    episode_id__in=[e.pk for _, e, _ in sent]
                ).count() == len(sent)

                private_redis.start()
                assert wait_until(lambda: _flagged_for_their_dates(expected), timeout=120), (
                    f"outage {outage + 1}: not every fall was flagged within 2 minutes"
                )
        # The rows are marked processed just after their evaluation has committed.
        assert wait_until(
            lambda: not RecordChange.objects.filter(processed_at__isnull=True).exists(), 30
        )
        assert not SweepState.objects.exists()  # the sweep never ran
    finally:
        _stop(beat, worker)


def body_date(body: dict) -> dt.date:
    return dt.date.fromisoformat(body["date"])


def test_a_worker_killed_mid_evaluation_leaves_its_claim_to_another_worker(private_redis, tmp_path):
    """The first worker claims the changes and dies (SIGKILL) inside the evaluation; once the
    lease (3 s in tests/trust/fault_settings.py) has run out, another worker's claim picks
    them up: every fall is flagged for its date, each change claimed exactly twice."""
    sent = [_falling_patient(offset) for offset in (0, 5, 2)]
    first = second = beat = None
    try:
        with celery_publishing_to(private_redis.url):
            for client, _, body in sent:  # queued: no worker yet
                assert client.post("/api/v1/checkins/", body, format="json").status_code == 201
            first = _start_worker(
                broker_url=private_redis.url,
                channel_dir=tmp_path,
                block=False,
                block_evaluation=True,
            )
            assert wait_until(lambda: any(tmp_path.glob("evaluating-*")), timeout=60), (
                "the first worker never started an evaluation"
            )
            first.send_signal(signal.SIGKILL)  # in the middle of the evaluation
            first.wait(timeout=10)
            figures.bump("faults_injected")
            changes = RecordChange.objects.filter(episode_id__in=[e.pk for _, e, _ in sent])
            assert sorted(changes.values_list("attempts", flat=True)) == [1, 1, 1]
            assert not changes.filter(processed_at__isnull=False).exists()
            assert not Flag.objects.filter(episode_id__in=[e.pk for _, e, _ in sent]).exists()

            second = _start_worker(broker_url=private_redis.url, channel_dir=tmp_path, block=False)
            beat = _start_beat(broker_url=private_redis.url, channel_dir=tmp_path)
            expected = {episode.pk: body_date(body) for _, episode, body in sent}
            assert wait_until(lambda: _flagged_for_their_dates(expected), timeout=120), (
                "the changes of the killed worker were not evaluated by another"
            )
        assert wait_until(lambda: not changes.filter(processed_at__isnull=True).exists(), 30)
        assert sorted(changes.values_list("attempts", flat=True)) == [2, 2, 2]
        assert not SweepState.objects.exists()
    finally:
        if first is not None and first.poll() is None:
            first.kill()
        _stop(beat, second)


def _deliveries(channel_dir: Path) -> list[str]:
    path = channel_dir / "deliveries"
    return path.read_text().split() if path.exists() else []


def test_worker_killed_mid_notification_leads_to_exactly_one_delivery(
    private_redis, tmp_path, settings
):
    from apps.notifications.services import notify
    from tests.notifications.factories import DeviceFactory

    settings.NOTIFICATION_CHANNELS = {
        **settings.NOTIFICATION_CHANNELS,
        "push": "tests.trust.fault_channels.FileRecordingPushChannel",
    }
    settings.NOTIFICATIONS = {"SENDING_LEASE_SECONDS": 2, "DAILY_BUDGET": 100}
    patient = PatientFactory(care_team=CareTeamFactory())
    DeviceFactory(user=patient.user)
    first = _start_worker(broker_url=private_redis.url, channel_dir=tmp_path, block=True)
    second = None
    try:
        with celery_publishing_to(private_redis.url):
            notification = notify(
                recipient=patient.user,
                kind="test.fault",
                title="Time for your check-in",
                body="How is your hip today?",
                dedup_key="fault-test-1",
                priority="urgent",
                channels=["push"],
            )
        assert wait_until(lambda: any(tmp_path.glob("started-*")), timeout=30), (
            "the first worker never started the delivery"
        )
        first.send_signal(signal.SIGKILL)  # in the middle of the provider call
        first.wait(timeout=10)
        figures.bump("faults_injected")
        assert _deliveries(tmp_path) == []

        time.sleep(3)  # the sending lease and the broker's visibility timeout run out
        second = _start_worker(broker_url=private_redis.url, channel_dir=tmp_path, block=False)
        with celery_publishing_to(private_redis.url):
            from apps.notifications.tasks import dispatch_due_notifications

            # The minute sweep a beat would run, in case the broker does not hand the message
            # back by itself.
            deadline = time.monotonic() + 40
            while not _deliveries(tmp_path) and time.monotonic() < deadline:
                dispatch_due_notifications.delay()
                time.sleep(2)
        time.sleep(4)  # a second delivery, if there were to be one, has had time to happen
        assert _deliveries(tmp_path) == [str(notification.pk)]
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=30)
