"""Loaded by the sweep test's worker processes (``celery worker --include``).

- Writes ``ready-<pid>`` into SWEEP_TEST_DIR once the worker consumes.
- Records every episode id the sweep evaluates in ``evaluated-<pid>`` (one per line), and
  makes each batch take SWEEP_TEST_SLOW seconds longer (so both workers get a share).
- With SWEEP_TEST_BLOCK_AFTER=N: after N chunks, the next claimed chunk writes
  ``blocked-<pid>`` (its number) and blocks before evaluating anything, as a worker stuck in
  a slow query would, so that the test can kill the worker holding the chunk's lease.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from celery.signals import worker_ready

from apps.flags import services
from apps.flags import sweep as sweeping

FOLDER = Path(os.environ["SWEEP_TEST_DIR"])
_real_evaluate_today = services.episodes_evaluate_today
_real_chunk_evaluate = sweeping.chunk_evaluate
_chunks_done = 0


@worker_ready.connect(weak=False)
def _ready(**_kwargs) -> None:
    (FOLDER / f"ready-{os.getpid()}").write_text("ready")


def _recording(*, episode_ids, thresholds):
    time.sleep(float(os.environ.get("SWEEP_TEST_SLOW", "0")))
    evaluated = _real_evaluate_today(episode_ids=episode_ids, thresholds=thresholds)
    with (FOLDER / f"evaluated-{os.getpid()}").open("a") as record:
        record.writelines(f"{episode_id}\n" for episode_id in episode_ids)
    return evaluated


def _maybe_blocking(chunk, **kwargs):
    global _chunks_done
    block_after = os.environ.get("SWEEP_TEST_BLOCK_AFTER")
    if block_after is not None and _chunks_done >= int(block_after):
        (FOLDER / f"blocked-{os.getpid()}").write_text(str(chunk.number))
        while True:
            time.sleep(0.1)  # killed here, the chunk's lease still held
    evaluated = _real_chunk_evaluate(chunk, **kwargs)
    _chunks_done += 1
    return evaluated


services.episodes_evaluate_today = _recording
sweeping.chunk_evaluate = _maybe_blocking
