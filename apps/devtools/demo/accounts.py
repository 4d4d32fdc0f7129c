"""The small demo `make run` loads: a clinic, its staff and a few enrolled patients.

Demo passwords are public by design; `load_demo` refuses to run under production settings.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:  # scripts/run.py reads DEMO_LOGINS before Django is set up
    from apps.accounts.models import Patient, User

DEMO_CLINIC = "Riverside Physiotherapy (demo)"
DEMO_PASSWORD = "demo-recovery-2026"  # noqa: S105 - public demo login
DEMO_LOGINS = [
    ("physiotherapist", "physio@demo.toh-recovery.org", DEMO_PASSWORD),
    ("clinic admin", "admin@demo.toh-recovery.org", DEMO_PASSWORD),
    ("patient", "sam.patel@demo.toh-recovery.org", DEMO_PASSWORD),
]
#: The demo patients enrolled (and accepted the consent document) this many days ago at 10:00
#: local time: before the first of their demo check-ins (apps.devtools.demo.record.DEMO_DAYS).
ENROLLED_DAYS_AGO = 22
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
    _clinic_admin(clinic)
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
        _enrolled_with_consent(patient)
        patients.append(patient)
    return patients


def _clinic_admin(clinic) -> User:
    """The demo clinic admin: staff of the demo clinic, not a superuser; the "Clinic admins"
    group gives the admin pages, scoped to the clinic (an older demo database made them a
    superuser: that is undone)."""
    from apps.accounts.admin import clinic_admin_group
    from apps.accounts.models import Role

    admin = _user(
        DEMO_LOGINS[1][1],
        first_name="Priya",
        last_name="Shah",
        role=Role.CLINIC_ADMIN,
        clinic=clinic,
        is_staff=True,
    )
    expected = {
        "is_superuser": False,
        "is_staff": True,
        "role": Role.CLINIC_ADMIN,
        "clinic": clinic,
    }
    if any(getattr(admin, name) != value for name, value in expected.items()):
        for name, value in expected.items():
            setattr(admin, name, value)
        admin.save(update_fields=list(expected))
    admin.groups.add(clinic_admin_group())
    return admin


def _enrolled_with_consent(patient: Patient) -> None:
    """What enrolment records (`enrolment_activate`): the acceptance of the current consent
    document and the activation, dated to the demo enrolment day, before the first demo
    check-in. Left alone when the patient already has a consent decision."""
    from django.utils import timezone

    from apps.consent.models import ConsentAcceptance
    from apps.consent.selectors import current_document, latest_decision
    from apps.consent.services import consent_accept
    from apps.core.timezones import local_today

    document = current_document()
    if document is None or latest_decision(patient) is not None:
        return
    day = local_today(patient.timezone) - dt.timedelta(days=ENROLLED_DAYS_AGO)
    enrolled = dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo(patient.timezone))
    activated = max(enrolled + dt.timedelta(hours=1), document.published_at)
    activated = min(activated, timezone.now())
    acceptance = consent_accept(patient=patient, version=document.version)
    ConsentAcceptance.objects.filter(pk=acceptance.pk).update(
        accepted_at=activated, created_at=activated
    )
    type(patient).objects.filter(pk=patient.pk).update(
        enrolled_at=min(enrolled, activated), activated_at=activated
    )
