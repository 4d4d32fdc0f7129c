"""The small demo `make run` loads: a clinic, its staff and a few enrolled patients.

Demo passwords are public by design; `load_demo` refuses to run under production settings.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # scripts/run.py reads DEMO_LOGINS before Django is set up
    from apps.accounts.models import Patient, User

DEMO_CLINIC = "Riverside Physiotherapy (demo)"
DEMO_PASSWORD = "demo-recovery-2026"  # noqa: S105 - public demo login
DEMO_LOGINS = [
    ("physiotherapist", "physio@demo.toh-recovery.org", DEMO_PASSWORD),
    ("clinic admin", "admin@demo.toh-recovery.org", DEMO_PASSWORD),
    ("patient", "sam.patel@demo.toh-recovery.org", DEMO_PASSWORD),
]
DEMO_PATIENTS = [
    ("sam.patel@demo.toh-recovery.org", "Sam", "Patel", dt.date(1979, 4, 2), "male"),
    ("anna.berg@demo.toh-recovery.org", "Anna", "Berg", dt.date(1992, 9, 14), "female"),
    ("li.wei@demo.toh-recovery.org", "Li", "Wei", dt.date(1968, 1, 30), "male"),
    ("rosa.diaz@demo.toh-recovery.org", "Rosa", "Diaz", dt.date(1988, 6, 21), "female"),
]


def _user(email: str, **fields) -> User:
    from apps.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, **fields)
    return user


def load_demo_accounts() -> list[Patient]:
    """Create the demo clinic, staff and patients; running it again changes nothing."""
    from django.db import transaction

    with transaction.atomic():
        return _load_demo_accounts()


def _load_demo_accounts() -> list[Patient]:
    from apps.accounts.models import CareTeam, CareTeamMembership, Clinic, Patient, Role

    clinic, _ = Clinic.objects.get_or_create(
        name=DEMO_CLINIC, defaults={"timezone": "Europe/London"}
    )
    team, _ = CareTeam.objects.get_or_create(clinic=clinic, name="Hip team")
    physio = _user(
        DEMO_LOGINS[0][1],
        first_name="Jo",
        last_name="Okafor",
        role=Role.PHYSIOTHERAPIST,
        clinic=clinic,
    )
    CareTeamMembership.objects.get_or_create(care_team=team, user=physio)
    _user(
        DEMO_LOGINS[1][1],
        first_name="Priya",
        last_name="Shah",
        role=Role.CLINIC_ADMIN,
        clinic=clinic,
        is_staff=True,
        is_superuser=True,
    )
    patients = []
    for email, first, last, born, sex in DEMO_PATIENTS:
        user = _user(email, first_name=first, last_name=last, role=Role.PATIENT)
        patient, _ = Patient.objects.get_or_create(
            user=user,
            defaults={
                "care_team": team,
                "date_of_birth": born,
                "sex": sex,
                "timezone": "Europe/London",
                "enrolled_by": physio,
            },
        )
        patients.append(patient)
    return patients
