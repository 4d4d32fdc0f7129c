"""The clinical course as the rules see it: plain data loaded into the snapshot by
`apps.flags.snapshot_course` (assessments with their previous comparable value and MDC,
treatments with their span and prescription)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AssessmentData:
    date: dt.date
    test: str
    side: str
    movement: str
    value: Decimal
    unit: str
    previous_value: Decimal | None
    previous_date: dt.date | None
    mdc: Decimal | None
    mdc_source: str
    better: str  # "higher" | "lower"

    @property
    def comparable_key(self) -> tuple[str, str, str]:
        return (self.test, self.side, self.movement)


@dataclass(frozen=True)
class TreatmentData:
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    level: str = ""  # protected weight bearing: non | toe_touch | partial | as_tolerated
    aid: str = ""  # the walking aid prescribed ("" : none named)

    def in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)
