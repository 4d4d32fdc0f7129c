"""Celery adapters of the dashboard: call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from apps.dashboard.summary_store import summaries_refresh_stale

logger = logging.getLogger(__name__)


@shared_task(name="dashboard.refresh_stale_summaries")
def refresh_stale_summaries() -> int:
    """Every few minutes: refresh the maintained patient summaries whose patient-local date
    has passed, whose time zone changed or that are missing (apps/dashboard/summary_store.py).
    Until then the dashboard computes those patients' columns itself. Returns how many."""
    refreshed = summaries_refresh_stale()
    if refreshed:
        logger.info("dashboard summaries refreshed: %d", refreshed)
    return refreshed
