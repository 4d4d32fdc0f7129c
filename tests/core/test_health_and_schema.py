from __future__ import annotations

import pytest
import yaml

from apps.core.tasks import heartbeat


@pytest.mark.django_db
def test_health_is_200_when_database_broker_and_worker_answer(api_client, settings):
    settings.HEALTH_WORKER_STARTUP_GRACE_SECONDS = 0
    heartbeat.apply()  # what a worker does when beat's heartbeat arrives

    response = api_client.get("/api/v1/health/")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["broker"]["status"] == "ok"
    assert body["components"]["worker"]["status"] == "ok"
    assert body["components"]["worker"]["age_seconds"] is not None
    assert "worker and beat running" in body["components"]["worker"]["detail"]


@pytest.mark.django_db
def test_health_is_503_when_the_broker_does_not_answer(api_client):
    from backend.celery import app

    # Port 1 on loopback: nothing listens there, so the connection is refused at once. The
    # write URL is set too: Celery keeps one it derived (or was given) earlier (STACK.md).
    # The embedded settings also name the transport class (apps/core/filesystem_broker.py),
    # which would win over the URL's scheme: it goes with the URL.
    keys = ("broker_url", "broker_write_url")
    original = {key: app.conf.get(key) for key in (*keys, "broker_transport")}
    app.conf.update(dict.fromkeys(keys, "redis://127.0.0.1:1/0"), broker_transport=None)
    try:
        response = api_client.get("/api/v1/health/")
    finally:
        app.conf.update(original)
    assert response.status_code == 503
    assert response.json()["components"]["broker"]["status"] == "error"
    assert response.json()["components"]["database"]["status"] == "ok"


@pytest.mark.django_db
def test_schema_is_served_and_describes_the_token_scheme(api_client):
    response = api_client.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert "/api/v1/auth/token/" in schema["paths"]
    assert "deviceToken" in schema["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_page_is_served_without_a_cdn(api_client):
    response = api_client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
