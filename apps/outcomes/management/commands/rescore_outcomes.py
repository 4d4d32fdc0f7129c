"""`manage.py rescore_outcomes [--dry-run]`: recompute every stored questionnaire score and
report each one that changed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from apps.outcomes.services import scores_rescore


class Command(BaseCommand):
    help = "Recompute stored questionnaire scores; report every score that changed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Report, store nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        changed = scores_rescore(dry_run=options["dry_run"])
        for row in changed:
            self.stdout.write(
                f"score {row.score_id} ({row.score}, response {row.response_id}): "
                f"{row.old} (v{row.old_version}) -> {row.new} (v{row.new_version})"
            )
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(f"{len(changed)} scores {verb}.")
