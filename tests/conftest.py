"""Fixtures shared by every domain's tests.

Services: with DATABASE_URL pointing at PostgreSQL and REDIS_URL set (CI's second pass), the
tests marked `postgres` / `redis` run and an unreachable service fails the run; without them
(the embedded pass) those tests are skipped, and the run says so. A RabbitMQ broker
(CELERY_BROKER_URL=amqp://…, CI's third pass) must answer too. Tests that start a real Celery
worker carry the `celery_worker` marker (given here to every user of the fixture).
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.accounts.factories import (
    CareTeamFactory,
    ClinicAdminFactory,
    PatientFactory,
    PhysiotherapistFactory,
)


def pytest_configure(config):
    """Workers started in this process log through settings.LOGGING (the run's log file,
    test-artifacts/logs/, scanned by CI): Celery must not set the levels up itself."""
    from celery import signals

    signals.setup_logging.connect(_keep_django_logging, weak=False)


def _keep_django_logging(**_kwargs) -> None:
    return None


def pytest_collection_modifyitems(config, items):
    uses_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    uses_redis = bool(os.environ.get("REDIS_URL"))
    for item in items:
        # The Celery-dependent tests (CI's broker pass selects them with `-m celery_worker`):
        # every test that starts a real worker, through the fixture or its own processes.
        if "celery_worker" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.celery_worker)
        if "postgres" in item.keywords and not uses_postgres:
            item.add_marker(pytest.mark.skip(reason="needs DATABASE_URL=postgres://…"))
        if "redis" in item.keywords and not uses_redis:
            item.add_marker(pytest.mark.skip(reason="needs REDIS_URL=redis://…"))


@pytest.fixture(scope="session", autouse=True)
def configured_services_answer():
    """A service that is configured must answer: unreachable is a failure, never a skip."""
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    if broker_url.startswith(("amqp://", "pyamqp://")):
        from kombu import Connection

        with Connection(broker_url, connect_timeout=3) as broker:
            broker.ensure_connection(max_retries=1)


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in this process) consuming the configured broker.

    Eager mode is switched off for the test, so `.delay()` really publishes and tasks run in
    the worker's thread with their own database connection, after commit like production."""
    from celery.contrib.testing.worker import start_worker

    from backend.celery import app

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        app.conf.task_always_eager = True


def wait_until(condition, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll ``condition`` until it is true or ``timeout`` seconds pass (for worker tests)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def care_team(db):
    return CareTeamFactory()


@pytest.fixture
def physio(care_team):
    physio = PhysiotherapistFactory(clinic=care_team.clinic)
    care_team.memberships.create(user=physio)
    return physio


@pytest.fixture
def clinic_admin(care_team):
    return ClinicAdminFactory(clinic=care_team.clinic)


@pytest.fixture
def patient(care_team):
    return PatientFactory(care_team=care_team)


@pytest.fixture
def patient_client(patient) -> APIClient:
    client = APIClient()
    client.force_authenticate(patient.user)
    return client


@pytest.fixture
def physio_client(physio) -> APIClient:
    client = APIClient()
    client.force_authenticate(physio)
    return client


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
