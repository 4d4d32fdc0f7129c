"""GET health/ tells the truth about the worker (heartbeat age) and the queues (backlog
probes registered by higher apps), not only about the database and the broker."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.core import health
from apps.core.models import Heartbeat
from apps.core.tasks import HEARTBEAT_NAME, heartbeat
from apps.notifications.models import NotificationStatus
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def no_grace(settings):
    settings.HEALTH_WORKER_STARTUP_GRACE_SECONDS = 0
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 45
    return settings


@pytest.fixture
def probes():
    """Register test probes for one test, leaving the apps' own ones as they were."""
    saved = health.backlog_probes()
    yield health.register_backlog_probe
    health._BACKLOG_PROBES.clear()
    health._BACKLOG_PROBES.update(saved)


def beat_at(when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        heartbeat.apply()


@time_machine.travel(NOW, tick=False)
def test_a_fresh_heartbeat_is_ok_and_reports_its_age(api_client, no_grace):
    beat_at(NOW - dt.timedelta(seconds=12))

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    worker = response.json()["components"]["worker"]
    assert worker == {
        "status": "ok",
        "detail": "worker and beat running: last heartbeat 12 s ago",
        "age_seconds": 12,
    }


@time_machine.travel(NOW, tick=False)
def test_a_stale_heartbeat_is_503(api_client, no_grace):
    beat_at(NOW - dt.timedelta(seconds=46))

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["components"]["worker"]["status"] == "error"
    assert body["components"]["worker"]["age_seconds"] == 46
    assert "worker or beat not running" in body["components"]["worker"]["detail"]
    assert body["components"]["database"]["status"] == "ok"


def test_the_heartbeat_task_upserts_one_row(no_grace):
    beat_at(NOW - dt.timedelta(minutes=5))
    beat_at(NOW)

    assert list(Heartbeat.objects.values_list("name", "beaten_at")) == [(HEARTBEAT_NAME, NOW)]


def test_no_heartbeat_yet_is_ok_within_the_start_up_grace_only(api_client, settings):
    settings.HEALTH_WORKER_STARTUP_GRACE_SECONDS = 10**6
    starting = api_client.get("/api/v1/health/")
    settings.HEALTH_WORKER_STARTUP_GRACE_SECONDS = 0
    after_grace = api_client.get("/api/v1/health/")

    assert starting.status_code == 200
    assert starting.json()["components"]["worker"]["detail"].startswith("starting: never seen")
    assert starting.json()["components"]["worker"]["age_seconds"] is None
    assert after_grace.status_code == 503
    assert after_grace.json()["components"]["worker"]["detail"].startswith(
        "worker or beat not running: never seen"
    )


def test_the_notifications_app_registers_its_probe():
    assert "notifications" in health.backlog_probes()


@time_machine.travel(NOW, tick=False)
def test_backlog_reports_the_oldest_pending_notification_due_now(api_client, no_grace, settings):
    settings.HEALTH_BACKLOG_DEGRADED_SECONDS = 300
    heartbeat.apply()
    NotificationFactory(scheduled_for=NOW - dt.timedelta(seconds=90))
    NotificationFactory(scheduled_for=NOW - dt.timedelta(seconds=30))
    NotificationFactory(scheduled_for=NOW - dt.timedelta(hours=2), status=NotificationStatus.SENT)
    NotificationFactory(scheduled_for=NOW + dt.timedelta(hours=1))  # quiet hours: not due yet

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    backlog = response.json()["components"]["backlog"]
    assert backlog["status"] == "ok"
    assert backlog["ages_seconds"]["notifications"] == 90


@time_machine.travel(NOW, tick=False)
def test_an_empty_backlog_reports_null(api_client, no_grace):
    heartbeat.apply()

    backlog = api_client.get("/api/v1/health/").json()["components"]["backlog"]

    assert backlog["ages_seconds"]["notifications"] is None
    assert "notifications empty" in backlog["detail"]


@time_machine.travel(NOW, tick=False)
def test_a_late_notification_backlog_is_degraded_not_an_outage(api_client, no_grace, settings):
    settings.HEALTH_BACKLOG_DEGRADED_SECONDS = 300
    heartbeat.apply()
    NotificationFactory(scheduled_for=NOW - dt.timedelta(seconds=301))

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 200
    backlog = response.json()["components"]["backlog"]
    assert backlog["status"] == "degraded"
    assert backlog["detail"] == "late: notifications 301 s"


@time_machine.travel(NOW, tick=False)
def test_a_critical_queue_past_its_limit_is_503(api_client, no_grace, settings, probes):
    settings.HEALTH_BACKLOG_DEGRADED_SECONDS = 300
    settings.HEALTH_BACKLOG_CRITICAL_SECONDS = {"record_changes": 600}
    heartbeat.apply()
    oldest = {"value": NOW - dt.timedelta(seconds=599)}
    probes("record_changes", lambda: oldest["value"])

    within = api_client.get("/api/v1/health/")
    oldest["value"] = NOW - dt.timedelta(seconds=601)
    beyond = api_client.get("/api/v1/health/")

    assert within.status_code == 200
    assert within.json()["components"]["backlog"]["status"] == "degraded"
    assert beyond.status_code == 503
    backlog = beyond.json()["components"]["backlog"]
    assert backlog["status"] == "error"
    assert backlog["ages_seconds"]["record_changes"] == 601
    assert "record_changes 601 s (limit 600 s)" in backlog["detail"]


def test_a_probe_that_raises_fails_the_backlog_check(api_client, no_grace, probes):
    heartbeat.apply()

    def broken() -> dt.datetime:
        raise RuntimeError("table missing")

    probes("broken", broken)

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json()["components"]["backlog"] == {
        "status": "error",
        "detail": "RuntimeError",
    }


def test_the_probe_sees_time_zone_aware_instants(no_grace):
    NotificationFactory(scheduled_for=timezone.now() - dt.timedelta(seconds=5))

    oldest = health.backlog_probes()["notifications"]()

    assert oldest is not None
    assert oldest.tzinfo is not None


def test_the_episodes_app_registers_the_record_change_outbox_probe():
    from apps.episodes.selectors import oldest_pending_record_change

    assert health.backlog_probes()["record_changes"] is oldest_pending_record_change


@time_machine.travel(NOW, tick=False)
def test_an_unprocessed_record_change_past_its_limit_is_503(api_client, no_grace, settings):
    """The real outbox probe: changes not evaluated are flags not raised."""
    from apps.episodes.models import RecordChange
    from tests.episodes.factories import EpisodeFactory

    settings.HEALTH_BACKLOG_CRITICAL_SECONDS = {"record_changes": 600}
    heartbeat.apply()
    episode = EpisodeFactory()
    RecordChange.objects.all().delete()
    RecordChange.objects.create(episode=episode, created_at=NOW - dt.timedelta(seconds=700))
    RecordChange.objects.create(
        episode=episode, created_at=NOW - dt.timedelta(hours=3), processed_at=NOW
    )

    response = api_client.get("/api/v1/health/")

    assert response.status_code == 503
    assert response.json()["components"]["backlog"]["ages_seconds"]["record_changes"] == 700
