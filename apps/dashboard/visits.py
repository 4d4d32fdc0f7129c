"""The dashboard's one write: when a member of staff last looked at the today view.

A visit is a run of requests less than `VISIT_GAP` apart, so reloading the page (or coming
back from a patient) keeps the same "new since your last visit" list; the first request after
a longer gap starts a new visit, and the list starts where the previous visit ended."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.dashboard.models import DashboardVisit

VISIT_GAP = dt.timedelta(minutes=30)
#: On a first visit, "new" means opened in the last day.
FIRST_VISIT_WINDOW = dt.timedelta(days=1)


def visit_today_view(*, user: User, now: dt.datetime | None = None) -> dt.datetime:
    """Record a request to the today view; the moment from which flags count as new."""
    now = now or timezone.now()
    with transaction.atomic():
        visit = DashboardVisit.objects.select_for_update().filter(user=user).first()
        if visit is None:
            visit = DashboardVisit(user=user, last_seen_at=now, new_since=now - FIRST_VISIT_WINDOW)
        elif now - visit.last_seen_at > VISIT_GAP:
            visit.new_since = visit.last_seen_at
        visit.last_seen_at = now
        visit.save()
    return visit.new_since or now - FIRST_VISIT_WINDOW
