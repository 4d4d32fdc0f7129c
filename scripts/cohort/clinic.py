"""The clinic the cohort goes to: its care teams, a physiotherapist in each (who prescribes),
and the e-mail domain of every generated user."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from apps.accounts.models import Clinic

# Every generated user's e-mail ends with this (a reserved example domain: never delivered).
COHORT_EMAIL_SUFFIX = ".cohort.example.org"


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "clinic"


def email_domain(clinic: Clinic) -> str:
    """The domain of the generated users' addresses in ``clinic``."""
    return f"{slug(clinic.name)}{COHORT_EMAIL_SUFFIX}"


def care_teams(
    clinic: Clinic, *, name: str | None, count: int, password_hash: str
) -> tuple[list, dict]:
    """The care teams patients go to, each with a physiotherapist, and who prescribes in each."""
    from apps.accounts.models import CareTeam, CareTeamMembership, Role, User

    names = [name] if name else [f"Hip team {n + 1}" for n in range(count)]
    teams, prescribers = [], {}
    domain = email_domain(clinic)
    for position, team_name in enumerate(names):
        team, _ = CareTeam.objects.get_or_create(clinic=clinic, name=team_name)
        member = (
            User.objects.filter(care_team_memberships__care_team=team, role=Role.PHYSIOTHERAPIST)
            .order_by("email")
            .first()
        )
        if member is None:
            member, _ = User.objects.get_or_create(
                email=f"physio{position + 1}.{slug(team_name)}@{domain}",
                defaults={
                    "first_name": "Physio",
                    "last_name": team_name,
                    "role": Role.PHYSIOTHERAPIST,
                    "clinic": clinic,
                    "password": password_hash,
                },
            )
            CareTeamMembership.objects.get_or_create(care_team=team, user=member)
        teams.append(team)
        prescribers[team.id] = member
    return teams, prescribers
