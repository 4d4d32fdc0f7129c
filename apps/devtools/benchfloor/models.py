"""The one table the benchmark floors write and read (installed only in bench settings)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class BenchRow(models.Model):
    """A tiny row: what a bare DRF create stores and a bare DRF list returns."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    value = models.IntegerField()
    score = models.FloatField(default=0.0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-score"]

    def __str__(self) -> str:
        return self.name
