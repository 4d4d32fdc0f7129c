"""Settings for the test suite (pytest). Services come from the same variables as elsewhere:
with DATABASE_URL / REDIS_URL set, the tests run on PostgreSQL and Redis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import REDIS_URL

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = _RUN_DIR_STATIC = Path(tempfile.mkdtemp(prefix="toh-static-"))
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# Each test run gets its own cache and broker folders so parallel runs never share state.
_RUN_DIR = Path(tempfile.mkdtemp(prefix="toh-test-"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"toh-test-{os.getpid()}",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Tests that are not about Celery run tasks eagerly; the Celery tests switch this off and
# start a real worker (tests/conftest.py: `celery_worker`).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BEAT_SCHEDULE_FILENAME = str(_RUN_DIR / "celerybeat-schedule")

REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "auth": "1000/minute",
    "writes": "100000/minute",
    "password_reset_email": "1000/minute",
}

if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_RUN_DIR / "broker" / "queue"),
        "data_folder_out": str(_RUN_DIR / "broker" / "queue"),
        "processed_folder": str(_RUN_DIR / "broker" / "processed"),
        "control_folder": str(_RUN_DIR / "broker" / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_RUN_DIR / "broker" / _folder).mkdir(parents=True, exist_ok=True)

# No worker beats during the unit tests: health's start-up grace covers the whole run, and
# the tests of the worker check set it to 0 (tests/core/test_health_and_schema.py).
HEALTH_WORKER_STARTUP_GRACE_SECONDS = 24 * 60 * 60
