"""Benchmark settings (scripts/bench.py): production-like, on loopback.

DEBUG off, PostgreSQL from DATABASE_URL, Redis from REDIS_URL, the production static-file
storage, no HTTPS redirect (the load generator speaks plain HTTP to 127.0.0.1), and the
benchmark-only floor app and URL conf. Never used to serve real users.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DATABASES, INSTALLED_APPS, REDIS_URL

# PostgreSQL, directly or through PgBouncer (DATABASE_POOLER=pgbouncer).
_POSTGRES_ENGINES = {"django.db.backends.postgresql", "apps.core.db_backends.pgbouncer"}

if DATABASES["default"]["ENGINE"] not in _POSTGRES_ENGINES or not REDIS_URL:
    raise ImproperlyConfigured(
        "The benchmarks run on PostgreSQL and Redis: set DATABASE_URL=postgres://… and REDIS_URL."
    )

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or "benchmark-only-secret-key-never-serve-users"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
SECURE_SSL_REDIRECT = False
# The development-only tools and, only here, their benchmark floors (app label "benchfloor").
INSTALLED_APPS = [*INSTALLED_APPS, "apps.devtools", "apps.devtools.benchfloor"]
ROOT_URLCONF = "backend.bench_urls"
# The compressed manifest storage of production needs collectstatic; the benchmarks measure
# the API, so serve static files from the finders instead of failing on a missing manifest.
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_health_data": {"()": "apps.core.logging.RedactHealthData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["no_health_data"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"django.server": {"handlers": [], "propagate": True}},
}
# Reminders are sent on the console channel (no provider), at any hour, and never held back
# by the daily budget: the benchmark sends many rounds to the same patients on one day.
NOTIFICATIONS = {
    "DEFAULT_PATIENT_CHANNELS": ["console"],
    "DEFAULT_STAFF_CHANNELS": ["console"],
    "DEFAULT_QUIET_HOURS_START": "",
    "DEFAULT_QUIET_HOURS_END": "",
    "DAILY_BUDGET": 1000,
}
# The in-process sweep figures time the tick working alone (no helpers published to a queue
# no worker reads); the 2-process figure starts its workers itself (scripts/benchmarks).
FLAG_SWEEP = {"PARALLEL_TASKS": 1}
