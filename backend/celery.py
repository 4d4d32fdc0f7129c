"""The Celery application. The broker is chosen by settings before the app loads (STACK.md:
changing it mid-run strands tasks on the old broker)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings.local")

app = Celery("toh")
app.config_from_object("django.conf:settings", namespace="CELERY")


app.autodiscover_tasks()
