"""Settings for the test suite (pytest). Services come from the same variables as elsewhere:
with DATABASE_URL / REDIS_URL set, the tests run on PostgreSQL and Redis."""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, INSTALLED_APPS, LOGGING, REDIS_URL

SECRET_KEY = "test-only-secret-key"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
# The development-only tools (the demo and the cohort the tests load); not the bench floors.
INSTALLED_APPS = [*INSTALLED_APPS, "apps.devtools"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = _RUN_DIR_STATIC = Path(tempfile.mkdtemp(prefix="toh-static-"))
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}

# Every log record of the run, DEBUG and up, from every logger and every process on these
# settings (the test process, the workers the fault tests start), through the same filter as
# production, into one file per process: CI scans them (tests/trust/log_scan.py).
TEST_LOG_DIR = Path(os.environ.get("TOH_TEST_LOG_DIR", BASE_DIR / "test-artifacts" / "logs"))
TEST_LOG_DIR.mkdir(parents=True, exist_ok=True)
_DB_VENDOR = DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
LOGGING = copy.deepcopy(LOGGING)
LOGGING["handlers"]["run_file"] = {
    "class": "logging.FileHandler",
    "filename": str(TEST_LOG_DIR / f"pytest-{_DB_VENDOR}-{os.getpid()}.log"),
    "formatter": "plain",
    "filters": ["no_health_data"],
    "level": "DEBUG",
    "delay": True,
}
LOGGING["handlers"]["console"]["level"] = "INFO"
LOGGING["root"] = {"handlers": ["console", "run_file"], "level": "DEBUG"}
LOGGING["loggers"]["celery.task"]["handlers"] = ["console", "run_file"]
LOGGING["loggers"]["celery.task"]["level"] = "DEBUG"
for _name in ("django", "django.server"):
    LOGGING["loggers"][_name]["level"] = "DEBUG"
# Test-only libraries: factory_boy logs every factory call's arguments (addresses included).
LOGGING["loggers"]["factory"] = {"level": "WARNING"}
LOGGING["loggers"]["faker"] = {"level": "WARNING"}

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
# An eager helper of the sweep would run inline at its publish and take every chunk: the tick
# does the sweep alone here; the worker tests and tests/flags/test_sweep_chunks.py set more.
FLAG_SWEEP = {"PARALLEL_TASKS": 1}

REST_FRAMEWORK = {**REST_FRAMEWORK}  # noqa: F405
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {
    "auth": "1000/minute",
    "writes": "100000/minute",
    "password_reset_email": "1000/minute",
    "exports": "100000/minute",
}

if CELERY_BROKER_URL.startswith(("amqp://", "pyamqp://")):  # noqa: F405
    # The machine's RabbitMQ is shared by every run on it: each run publishes to and consumes
    # its own queue (the worker processes a test starts inherit the name).
    CELERY_TASK_DEFAULT_QUEUE = os.environ.setdefault("TOH_TEST_QUEUE", f"toh-test-{os.getpid()}")

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
