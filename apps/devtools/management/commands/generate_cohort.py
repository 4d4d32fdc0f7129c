"""`manage.py generate_cohort`: a realistic synthetic TOH cohort (see docs/cohort.md)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from scripts.cohort.generate import generate_cohort


class Command(BaseCommand):
    help = (
        "Generate N synthetic TOH patients (care teams, episodes, daily check-ins, exercise "
        "plans and sessions) with bulk inserts, then run the flag engine over them. "
        "Deterministic for a given --seed. Refused under production settings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--clinic", default="Cohort Clinic", help="created if missing")
        parser.add_argument("--timezone", default="Europe/London", help="for a new clinic")
        parser.add_argument("--care-team", default=None, help="put every patient in this team")
        parser.add_argument("--team-size", type=int, default=50)
        parser.add_argument("--months", type=int, default=18, help="onsets spread over these")
        parser.add_argument(
            "--full-year",
            action="store_true",
            help="benchmark shape: every episode open with a year of data up to today",
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
        parser.add_argument(
            "--password", default=None, help="login password of the generated users (default: none)"
        )
        parser.add_argument("--no-flags", action="store_true", help="skip the flag engine run")
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("Synthetic patients do not belong in a production database.")
        if options["patients"] < 1:
            raise CommandError("--patients must be at least 1.")
        result = generate_cohort(
            patients=options["patients"],
            seed=options["seed"],
            clinic_name=options["clinic"],
            clinic_timezone=options["timezone"],
            care_team_name=options["care_team"],
            team_size=options["team_size"],
            months=options["months"],
            full_year=options["full_year"],
            today=options["today"],
            password=options["password"],
            run_flags=not options["no_flags"],
            progress=not options["no_progress"],
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Cohort: {result.patients} patients, {result.checkins} check-ins, "
                f"{result.sessions} exercise sessions in {result.seconds:.1f}s "
                f"(flag engine {result.flag_seconds:.1f}s)."
            )
        )
