"""`manage.py rebuild_dashboard_summaries`: (re)build the maintained patient summaries."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.dashboard.summary_store import summaries_rebuild, summaries_refresh_stale


class Command(BaseCommand):
    help = (
        "Recompute every patient's maintained dashboard summary (after a deploy that adds or "
        "changes them, or bulk writes that bypassed the record-change outbox). With --stale, "
        "only the missing ones and those computed for a past local date or another time zone."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="only stale or missing ones")

    def handle(self, *args, **options):
        if options["stale"]:
            count = summaries_refresh_stale(max_batches=10**6)
        else:
            count = summaries_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Dashboard summaries stored: {count}."))
