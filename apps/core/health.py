"""Component checks behind GET /api/v1/health/. Each returns a short status string or raises."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.module_loading import import_string


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_broker() -> str:
    from backend.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        return f"ok ({conn.transport_cls})"


def check_cache() -> str:
    key = f"health-{uuid.uuid4().hex}"
    cache.set(key, "1", 5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was stored")
    cache.delete(key)
    return "ok"


def run_health_checks() -> tuple[bool, dict[str, dict[str, str]]]:
    """Run every configured check; healthy when all critical ones pass."""
    healthy = True
    components: dict[str, dict[str, str]] = {}
    for name, path, critical in settings.HEALTH_CHECKS:
        try:
            detail = import_string(path)()
            components[name] = {"status": "ok", "detail": str(detail)}
        except Exception as error:  # noqa: BLE001 - a health check reports any failure
            components[name] = {"status": "error", "detail": type(error).__name__}
            healthy = healthy and not critical
    return healthy, components
