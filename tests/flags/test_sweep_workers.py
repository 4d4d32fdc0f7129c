"""Two real worker processes share one nightly sweep (apps/flags/sweep.py): the chunks are
divided between them, each episode is evaluated once, and the chunk of a worker killed while
holding it is redone once, by the other, after its lease has run out.

Real Celery workers (solo pool) on the configured broker (Redis in CI's PostgreSQL pass,
RabbitMQ in its broker pass) and the test database; tests/flags/sweep_worker_settings.py
gives them 4-episode chunks, a 3-second lease and two tasks per sweep, and
tests/flags/sweep_hooks.py records what each evaluates and stalls the second one."""

from __future__ import annotations

import collections
import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core.timezones import local_today
from apps.flags.models import SweepChunk, SweepState
from apps.flags.tasks import sweep_active_episodes
from tests.accounts.factories import PatientFactory
from tests.conftest import wait_until
from tests.episodes.factories import EpisodeFactory

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
]


def _worker(folder: Path, **extra: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.flags.sweep_worker_settings",
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "SWEEP_TEST_DIR": str(folder),
        "SWEEP_TEST_SLOW": "0.05",
        "PYTHONPATH": str(ROOT),
        **extra,
    }
    log = settings.TEST_LOG_DIR / f"sweep-worker-{uuid.uuid4().hex[:8]}.out"
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own worker command
            [sys.executable, "-m", "celery", "-A", "backend", "worker", "--pool", "solo"]
            + ["--concurrency", "1", "--without-gossip", "--without-mingle", "--loglevel", "INFO"]
            + ["--include", "tests.flags.sweep_hooks"]
            # Each its own node name: RabbitMQ gives a name's control queue to one worker.
            + ["--hostname", f"sweep-{uuid.uuid4().hex[:8]}@%h"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _evaluated(folder: Path) -> dict[int, list[str]]:
    return {
        int(path.name.split("-")[1]): path.read_text().split()
        for path in folder.glob("evaluated-*")
    }


def _publish_tick() -> None:
    from backend.celery import app

    app.conf.task_always_eager = False
    try:
        sweep_active_episodes.delay()
    finally:
        app.conf.task_always_eager = True


def test_two_workers_divide_a_sweep_and_the_killed_ones_chunk_is_redone_once(tmp_path):
    episodes = [
        EpisodeFactory(
            patient=PatientFactory(timezone="Europe/London"),
            symptom_onset_date=local_today("Europe/London") - dt.timedelta(days=30),
        )
        for _ in range(24)
    ]
    steady = stalling = None
    try:
        steady = _worker(tmp_path)
        stalling = _worker(tmp_path, SWEEP_TEST_BLOCK_AFTER="1")
        assert wait_until(lambda: len(list(tmp_path.glob("ready-*"))) == 2, timeout=60), (
            "the workers did not start"
        )
        _publish_tick()
        blocked = tmp_path / f"blocked-{stalling.pid}"
        assert wait_until(blocked.exists, timeout=60), "the second worker never took 2 chunks"
        stalling.send_signal(signal.SIGKILL)  # holding the lease of its second chunk
        stalling.wait(timeout=10)
        held = SweepChunk.objects.get(number=int(blocked.read_text()))

        others = SweepChunk.objects.exclude(pk=held.pk)
        assert wait_until(lambda: not others.filter(done_at__isnull=True).exists(), timeout=60)
        held.refresh_from_db()
        assert (held.attempts, held.done_at) == (1, None)
        assert SweepState.objects.get().finished_at is None

        # The next tick of the hour (beat) claims it once its lease has run out.
        assert wait_until(lambda: held.lease_until <= timezone.now(), timeout=10)
        _publish_tick()
        assert wait_until(
            lambda: SweepState.objects.filter(finished_at__isnull=False).exists(), timeout=60
        ), "the killed worker's chunk was not redone"
    finally:
        for process in (steady, stalling):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()

    held.refresh_from_db()
    assert held.attempts == 2
    assert held.done_at is not None
    assert f":{steady.pid}:" in held.claimed_by  # redone by the worker that lived
    assert SweepChunk.objects.filter(attempts__gt=1).count() == 1
    assert not SweepChunk.objects.filter(done_at__isnull=True).exists()
    by_worker = _evaluated(tmp_path)
    assert set(by_worker) == {steady.pid, stalling.pid}  # both took part
    assert all(by_worker.values())
    counts = collections.Counter(e for ids in by_worker.values() for e in ids)
    assert counts.keys() == {str(e.pk) for e in episodes}
    assert set(counts.values()) == {1}  # each episode evaluated once in the sweep
