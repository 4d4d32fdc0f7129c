"""Loaded by the fault tests' worker processes (``celery worker --include``): with
FAULT_EVALUATION_BLOCK=1 the flag engine's evaluation writes an "evaluating" marker into
FAULT_CHANNEL_DIR and then blocks, as a worker stuck in a slow query would, so that the test
can kill the worker in the middle of an evaluation of claimed record changes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import task_prerun


@task_prerun.connect(weak=False)
def _block_evaluations(sender=None, **kwargs) -> None:
    if os.environ.get("FAULT_EVALUATION_BLOCK") != "1":
        return
    from apps.flags import services

    if getattr(services.episode_evaluate, "fault_blocking", False):
        return

    def blocked(**kwargs):
        folder = Path(os.environ["FAULT_CHANNEL_DIR"])
        (folder / f"evaluating-{os.getpid()}").write_text(str(kwargs.get("episode_id")))
        while True:
            time.sleep(0.1)  # the worker is killed here, its claim still held

    blocked.fault_blocking = True
    services.episode_evaluate = blocked
