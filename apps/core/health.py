"""Component checks behind GET /api/v1/health/ (docs/operations.md).

Each check returns a short status string (ok), or a ``CheckResult`` when it has more to say
(a status of ``ok``, ``degraded`` or ``error`` and numbers), or raises (error). A check listed
as critical in ``settings.HEALTH_CHECKS`` whose status is ``error`` makes the endpoint 503;
``degraded`` never does.

Higher apps report their queues through ``register_backlog_probe`` (called from their
``AppConfig.ready()``): core never imports them.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

OK, DEGRADED, ERROR = "ok", "degraded", "error"

# When this process started: a fresh start whose worker has not beaten yet is not an outage.
PROCESS_STARTED = time.monotonic()

BacklogProbe = Callable[[], dt.datetime | None]
_BACKLOG_PROBES: dict[str, BacklogProbe] = {}


@dataclass(frozen=True)
class CheckResult:
    status: str
    detail: str
    extra: dict[str, object] = field(default_factory=dict)


def register_backlog_probe(name: str, probe: BacklogProbe) -> None:
    """Report a queue in GET health/: ``probe()`` returns when its oldest pending item became
    due (aware datetime), or None when nothing is pending. Health shows the age in seconds
    (never the item). Registering a name again replaces its probe (module reloads, tests)."""
    _BACKLOG_PROBES[name] = probe


def backlog_probes() -> dict[str, BacklogProbe]:
    return dict(_BACKLOG_PROBES)


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


def check_worker() -> CheckResult:
    """The age of the last heartbeat: a task beat sends every ``HEALTH_HEARTBEAT_SECONDS``
    and a worker runs, so a fresh one proves beat, the broker and a worker. Older than
    ``HEALTH_WORKER_MAX_AGE_SECONDS`` is an error, except within
    ``HEALTH_WORKER_STARTUP_GRACE_SECONDS`` of this process starting (a fresh start)."""
    from apps.core.models import Heartbeat
    from apps.core.tasks import HEARTBEAT_NAME

    max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    beaten_at = (
        Heartbeat.objects.filter(name=HEARTBEAT_NAME).values_list("beaten_at", flat=True).first()
    )
    age = None if beaten_at is None else max(0, round((timezone.now() - beaten_at).total_seconds()))
    extra: dict[str, object] = {"age_seconds": age}
    seen = "never seen" if age is None else f"last heartbeat {age} s ago"
    if age is not None and age <= max_age:
        return CheckResult(OK, f"worker and beat running: {seen}", extra)
    uptime = time.monotonic() - PROCESS_STARTED
    if uptime <= settings.HEALTH_WORKER_STARTUP_GRACE_SECONDS:
        return CheckResult(OK, f"starting: {seen} ({round(uptime)} s since start)", extra)
    return CheckResult(ERROR, f"worker or beat not running: {seen} (limit {max_age} s)", extra)


def check_backlog() -> CheckResult:
    """The age of each registered queue's oldest pending item. Older than
    ``HEALTH_BACKLOG_DEGRADED_SECONDS``: degraded; older than its entry in
    ``HEALTH_BACKLOG_CRITICAL_SECONDS`` (only the queues listed there): error."""
    now = timezone.now()
    degraded_after = settings.HEALTH_BACKLOG_DEGRADED_SECONDS
    critical_after = settings.HEALTH_BACKLOG_CRITICAL_SECONDS
    ages: dict[str, int | None] = {}
    late: list[str] = []
    critical: list[str] = []
    for name, probe in sorted(_BACKLOG_PROBES.items()):
        oldest = probe()
        age = None if oldest is None else max(0, round((now - oldest).total_seconds()))
        ages[name] = age
        if age is None:
            continue
        if name in critical_after and age > critical_after[name]:
            critical.append(f"{name} {age} s (limit {critical_after[name]} s)")
        elif age > degraded_after:
            late.append(f"{name} {age} s")
    extra: dict[str, object] = {"ages_seconds": ages}
    if critical:
        return CheckResult(ERROR, "not being processed: " + ", ".join(critical + late), extra)
    if late:
        return CheckResult(DEGRADED, "late: " + ", ".join(late), extra)
    summary = ", ".join(f"{n} {'empty' if a is None else f'{a} s'}" for n, a in ages.items())
    return CheckResult(OK, summary or "no queues registered", extra)


def run_health_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    """Run every configured check; healthy when no critical one is in error."""
    healthy = True
    components: dict[str, dict[str, object]] = {}
    for name, path, critical in settings.HEALTH_CHECKS:
        try:
            result = import_string(path)()
        except Exception as error:  # noqa: BLE001 - a health check reports any failure
            result = CheckResult(ERROR, type(error).__name__)
        if not isinstance(result, CheckResult):
            result = CheckResult(OK, str(result))
        components[name] = {"status": result.status, "detail": result.detail, **result.extra}
        if result.status == ERROR and critical:
            healthy = False
    return healthy, components
