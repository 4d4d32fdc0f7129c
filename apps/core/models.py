"""The one table of the bottom layer: the worker's heartbeat, read by GET /api/v1/health/.

It lives in the database, not the cache: on the embedded defaults each process may have its
own cache, and the health answer must reflect what the worker did, whichever process answers.
"""

from __future__ import annotations

from django.db import models


class Heartbeat(models.Model):
    """One row per source (``celery``): when a worker last ran the heartbeat task that beat
    sends every 15 s. Upserted by ``core.heartbeat``; no patient data."""

    name = models.CharField(max_length=50, primary_key=True)
    beaten_at = models.DateTimeField()
    hostname = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self) -> str:
        return f"{self.name} at {self.beaten_at:%Y-%m-%d %H:%M:%S}"
