"""Development settings: the defaults of `make run`."""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, INSTALLED_APPS, SECRET_KEY, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = SECRET_KEY or "insecure-local-development-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
# Development-only tools (`load_demo`, `generate_cohort`): never in production's INSTALLED_APPS.
INSTALLED_APPS = [*INSTALLED_APPS, "apps.devtools"]
# Serve static files straight from the apps while developing (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
