"""Settings for the worker processes the fault tests start (real Celery workers against a
private Redis and the test database). The broker, database and channel folder come from the
environment the test sets."""

from __future__ import annotations

from backend.settings.test import *  # noqa: F403
from backend.settings.test import NOTIFICATION_CHANNELS

CELERY_TASK_ALWAYS_EAGER = False
# A killed worker's unacknowledged message goes back to the queue after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3}
NOTIFICATION_CHANNELS = {
    **NOTIFICATION_CHANNELS,
    "push": "tests.trust.fault_channels.FileRecordingPushChannel",
}
# A send whose worker died is considered lost after 2 seconds (instead of 15 minutes).
NOTIFICATIONS = {"SENDING_LEASE_SECONDS": 2, "DAILY_BUDGET": 100}
# The record-change outbox: a claim of a killed worker is claimable again after 3 seconds, and
# a beat process (when a test starts one) ticks every 2 seconds. No other beat entry: no sweep.
RECORD_CHANGES = {"LEASE_SECONDS": 3, "RETRY_BASE_SECONDS": 1, "RETRY_MAX_SECONDS": 2}
CELERY_BEAT_SCHEDULE = {
    "flags-process-record-changes": {
        "task": "flags.process_record_changes",
        "schedule": 2,
        "options": {"expires": 2},
    }
}
