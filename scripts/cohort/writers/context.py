"""What every record writer needs to know about the cohort being written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from scripts.cohort.model import CohortOptions, PatientCourse


@dataclass(frozen=True)
class WriteContext:
    """The cohort's clinic-wide values, and ``now`` (the chunk's write time)."""

    options: CohortOptions
    care_teams: list[Any]
    team_of: Callable[[int], int]  # patient index -> position in care_teams
    prescribers: dict[Any, Any]  # care team id -> the physiotherapist who prescribes
    library: list[Any]  # the active exercises, by slug (PlanItemSpec.library_index)
    email_domain: str
    password_hash: str
    zone: ZoneInfo
    now: dt.datetime

    def team(self, course: PatientCourse) -> Any:
        return self.care_teams[self.team_of(course.index)]

    def prescriber(self, course: PatientCourse) -> Any:
        return self.prescribers.get(self.team(course).id)

    def local_noon(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(12), tzinfo=self.zone).astimezone(dt.UTC)
