"""The dashboard's own state: when each member of staff last looked at the today view."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DashboardVisit(models.Model):
    """A staff user's visits to the today view, so it can list the flags opened since the
    previous visit (`apps.dashboard.visits.visit_today_view`). Staff data only: no patient."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="dashboard_visit",
    )
    #: The latest request to the today view.
    last_seen_at = models.DateTimeField()
    #: Where "new since your last visit" starts: the last request of the previous visit.
    new_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "dashboard visit"

    def __str__(self) -> str:
        return f"Dashboard visit {self.user_id}"
