"""Onboard a clinic without the admin: a clinic, a care team and a physiotherapist in it."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from apps.accounts.services import clinic_onboard
from apps.core.timezones import available_timezone_names


class Command(BaseCommand):
    help = "Create a clinic with a care team and a physiotherapist (prints the login)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Clinic name")
        parser.add_argument("--timezone", default="Europe/London")
        parser.add_argument("--care-team", default="Main care team")
        parser.add_argument("--physio-email", required=True)
        parser.add_argument("--physio-first-name", default="")
        parser.add_argument("--physio-last-name", default="")
        parser.add_argument(
            "--password-env",
            default="TOH_PHYSIO_PASSWORD",
            help="Environment variable holding the password (a random one is made if unset).",
        )

    def handle(self, *args, **options):
        if options["timezone"] not in available_timezone_names():
            raise CommandError(f"Unknown time zone {options['timezone']!r}.")
        clinic, physio, password = clinic_onboard(
            clinic_name=options["name"],
            clinic_timezone=options["timezone"],
            physio_email=options["physio_email"],
            physio_first_name=options["physio_first_name"],
            physio_last_name=options["physio_last_name"],
            password=os.environ.get(options["password_env"]) or None,
            care_team_name=options["care_team"],
        )
        self.stdout.write(self.style.SUCCESS(f"Clinic: {clinic.name} ({clinic.id})"))
        self.stdout.write(f"Physiotherapist: {physio.email}")
        if not os.environ.get(options["password_env"]):
            self.stdout.write(f"Password (shown once): {password}")
