"""Fault injection against real services: a private redis-server (broker and cache) that the
test kills and restarts, PostgreSQL, and real Celery workers (one in process, others as
processes the test kills with SIGKILL).

- Broker (and cache) unreachable: check-ins are still accepted and stored; the flags are
  evaluated once Redis is back, by the nightly sweep.
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
from apps.flags.models import Evaluation
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
                "BACKEND": "apps.audit.resilient_cache.FailOpenRedisCache",
                "LOCATION": url,
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            }
        }

    return point_at


def test_checkins_are_stored_while_redis_is_down_and_flags_evaluated_once_it_is_back(
    private_redis, fail_open_cache_on
):
    from celery.contrib.testing.worker import start_worker

    from apps.flags.tasks import sweep_active_episodes

    fail_open_cache_on(private_redis.url)  # production: one Redis for cache and broker
    patient = PatientFactory(care_team=CareTeamFactory(), timezone="Europe/London")
    accepted(patient)
    today = local_today(patient.timezone)
    episode = EpisodeFactory(patient=patient, symptom_onset_date=today - dt.timedelta(days=40))
    client = APIClient()
    client.force_authenticate(patient.user)
    recorded_at = timezone.now().isoformat()
    submitted = [
        checkin_payload(today, recorded_at=recorded_at, pain_now=8, pain_worst_24h=9),
        checkin_payload(today - dt.timedelta(days=1), recorded_at=recorded_at),
    ]

    with celery_publishing_to(private_redis.url) as app:
        private_redis.kill()
        single = client.post("/api/v1/checkins/", submitted[0], format="json")
        batch = client.post(
            "/api/v1/sync/", {"checkins": [submitted[1]], "exercise_sessions": []}, format="json"
        )

        assert single.status_code == 201, single.content[:500]
        assert batch.status_code == 200, batch.content[:500]
        assert batch.json()["checkins"][0]["status"] == "created"
        stored = CheckIn.objects.filter(patient=patient).count()
        figures.bump("rows_submitted_during_faults", len(submitted))
        figures.bump("rows_lost", len(submitted) - stored)
        assert stored == 2
        assert not Evaluation.objects.filter(episode=episode).exists()  # nothing ran yet

        private_redis.start()
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            sweep_active_episodes.delay()
            assert wait_until(
                lambda: Evaluation.objects.filter(episode=episode, date=today).exists(),
                timeout=30,
            ), "the sweep did not evaluate the episode once Redis was back"


def _start_worker(*, broker_url: str, channel_dir: Path, block: bool) -> subprocess.Popen:
    settings_dict = connection.settings_dict
    database_url = (
        f"postgres://{settings_dict['USER']}:{settings_dict['PASSWORD'] or ''}@"
        f"{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}/"
        f"{settings_dict['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.trust.fault_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "FAULT_CHANNEL_DIR": str(channel_dir),
        "FAULT_CHANNEL_BLOCK": "1" if block else "0",
        "PYTHONPATH": str(ROOT),
    }
    # Its log records go to the run's log folder through the test settings; what it prints
    # goes there too, so CI's scan (tests/trust/log_scan.py) reads the whole of its output.
    output = (settings.TEST_LOG_DIR / f"fault-worker-{uuid.uuid4().hex[:8]}.out").open("wb")
    with output:
        return subprocess.Popen(  # noqa: S603 - our own worker command
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "solo"]
            + ["--concurrency", "1", "--without-gossip", "--without-mingle"]
            + ["--loglevel", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


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
