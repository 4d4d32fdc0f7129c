from __future__ import annotations

import pytest

from apps.core.tasks import echo
from tests.conftest import wait_until


@pytest.mark.celery_worker
def test_a_real_worker_consumes_a_task_from_the_configured_broker(celery_worker, tmp_path):
    from celery.signals import task_postrun

    seen: list[str] = []

    def record(sender=None, retval=None, **kwargs):
        if getattr(sender, "name", None) == "core.echo":
            seen.append(retval)

    task_postrun.connect(record, weak=False)
    try:
        echo.delay("hip")
        assert wait_until(lambda: seen == ["hip"])
    finally:
        task_postrun.disconnect(record)
