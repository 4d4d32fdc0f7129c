"""Plain snapshot builders for the rule tests (no database)."""

from __future__ import annotations

import datetime as dt
import uuid
from fractions import Fraction

from apps.flags.snapshot import AdherenceWindow, CheckInData, EpisodeSnapshot

D = dt.date(2026, 3, 20)  # the evaluated date in rule tests
EPISODE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
PATIENT_ID = uuid.UUID("00000000-0000-0000-0000-000000000002")


def day(offset: int) -> dt.date:
    """D + offset days (offset <= 0 for the past)."""
    return D + dt.timedelta(days=offset)


def checkin(offset: int, **fields) -> CheckInData:
    values = {"pain_now": 2, "pain_worst_24h": 3}
    values.update(fields)
    for name in ("red_flags", "painful_sides"):
        if name in values:
            values[name] = frozenset(values[name])
    return CheckInData(date=day(offset), **values)


def snapshot(*checkins: CheckInData, **fields) -> EpisodeSnapshot:
    values = {
        "episode_id": EPISODE_ID,
        "patient_id": PATIENT_ID,
        "evaluated_on": D,
        "today": D,
        "affected_side": "left",
        "symptom_onset_date": D - dt.timedelta(days=90),
        "home_treatment_started_on": None,
        "episode_started_on": D - dt.timedelta(days=60),
        "checkins": {c.date: c for c in checkins},
    }
    values.update(fields)
    return EpisodeSnapshot(**values)


def daily(offsets, **fields) -> list[CheckInData]:
    return [checkin(offset, **fields) for offset in offsets]


def adherence(*, done: int, prescribed: int, plan_days: int = 7) -> dict:
    window = AdherenceWindow(
        date_from=day(-6),
        date_to=D,
        days_with_plan_in_force=plan_days,
        sessions_prescribed=Fraction(prescribed),
        sessions_counted=min(Fraction(done), Fraction(prescribed)),
        sessions_done=done,
    )
    return {D: window}
