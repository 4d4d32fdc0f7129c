"""Settings of the worker processes that tests/flags/test_sweep_workers.py starts: real Celery
workers on the configured broker and the test database, sharing one sweep in small chunks
with a short lease."""

from __future__ import annotations

from backend.settings.test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
# A killed worker's unacknowledged message goes back to the queue after this many seconds
# (Redis; RabbitMQ hands it back when the worker's connection drops).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3}
FLAG_SWEEP = {"CHUNK_SIZE": 4, "BATCH_SIZE": 2, "LEASE_SECONDS": 3, "PARALLEL_TASKS": 2}
CELERY_BEAT_SCHEDULE: dict = {}
