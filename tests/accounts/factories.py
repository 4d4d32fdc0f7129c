from __future__ import annotations

import datetime as dt

import factory

from apps.accounts.models import CareTeam, Clinic, Patient, Role, User

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")
    timezone = "Europe/London"


class CareTeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CareTeam

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    role = Role.PATIENT
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save()


class PhysiotherapistFactory(UserFactory):
    role = Role.PHYSIOTHERAPIST
    clinic = factory.SubFactory(ClinicFactory)


class ClinicAdminFactory(UserFactory):
    role = Role.CLINIC_ADMIN
    clinic = factory.SubFactory(ClinicFactory)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory, role=Role.PATIENT)
    care_team = factory.SubFactory(CareTeamFactory)
    date_of_birth = dt.date(1980, 5, 17)
    sex = "male"
    timezone = "Europe/London"


def physio_in(care_team: CareTeam, **kwargs) -> User:
    """A physiotherapist who is a member of ``care_team``."""
    physio = PhysiotherapistFactory(clinic=care_team.clinic, **kwargs)
    care_team.memberships.create(user=physio)
    return physio
