"""`manage.py load_demo` (`make run`): the demo accounts, their record and a small cohort."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.accounts.models import Patient
from apps.devtools.demo.accounts import DEMO_CLINIC, DEMO_PASSWORD, load_demo_accounts
from apps.devtools.demo.record import load_demo_record
from scripts.cohort.generate import COHORT_EMAIL_SUFFIX, generate_cohort

DEMO_COHORT_PATIENTS = 60
DEMO_COHORT_SEED = 2026


class Command(BaseCommand):
    help = "Load the small demo data set (idempotent). Refused under production settings."

    def handle(self, *args, **options):
        # apps.devtools is not installed in production; this guards a settings mistake too.
        if settings.SETTINGS_MODULE.endswith(".production"):
            raise CommandError("The demo has public passwords: never load it in production.")
        patients = load_demo_accounts()
        checkins = load_demo_record(patients)
        self.stdout.write(f"Demo episodes and check-ins: {checkins} check-ins added.")
        self._load_demo_cohort()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(patients)} patients."))

    def _load_demo_cohort(self) -> None:
        """About 60 synthetic patients in the demo physio's team, so the dashboard is alive on
        first start (scripts/cohort; skipped when the demo cohort is already there)."""
        if Patient.objects.filter(
            care_team__clinic__name=DEMO_CLINIC, user__email__endswith=COHORT_EMAIL_SUFFIX
        ).exists():
            self.stdout.write("Demo cohort already loaded.")
            return
        result = generate_cohort(
            patients=DEMO_COHORT_PATIENTS,
            seed=DEMO_COHORT_SEED,
            clinic_name=DEMO_CLINIC,
            care_team_name="Hip team",
            password=DEMO_PASSWORD,
        )
        self.stdout.write(
            f"Demo cohort: {result.patients} patients, {result.checkins} check-ins, "
            f"{result.sessions} exercise sessions."
        )
