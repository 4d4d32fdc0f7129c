"""One patient's record, day by day: the check-ins and exercise sessions that follow from the
pain on each day, the missed days and the events (pure Python; docs/cohort.md)."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from scripts.cohort.model import (
    EVENT_FALL,
    EVENT_FRACTURE,
    EVENT_RETURN,
    EVENT_UNWELL,
    EVENT_WORSENING,
    Habits,
    Hips,
    PainCurve,
    PatientTraits,
    PlanSpec,
    clamp,
    event_bump,
    row_id,
    sigmoid,
)


@dataclass
class _DayState:
    """What carries over from one day to the next."""

    noise: float
    smoothed: float
    gap_left: int = 0


@dataclass
class _DayValues:
    """One day's check-in answers (drawn whether or not the patient checks in that day)."""

    pain_now: int
    worst: int
    pain_wb: int | None
    weight_bearing: str
    aid: str
    stiffness: int
    sleep_disturbed: bool
    activities_affected: bool
    night_pain: bool
    limping: bool
    red_flags: list[str] = field(default_factory=list)
    sides: list[str] = field(default_factory=list)
    steps: int | None = None


def simulate_record(
    rng: random.Random, ids: random.Random, patient: PatientTraits, last_record_day: int
) -> tuple[list[tuple], list[tuple]]:
    """The check-ins and exercise sessions from enrolment to the last record day."""
    curve, events, habits = patient.curve, patient.events, patient.habits
    checkins: list[tuple] = []
    sessions: list[tuple] = []
    state = _DayState(noise=0.0, smoothed=curve.start)
    fracture_day = (events[EVENT_FRACTURE] - curve.onset).days if EVENT_FRACTURE in events else None
    event_dates = set(events.values())
    for day in range((curve.enrolled_on - curve.onset).days, last_record_day + 1):
        date = curve.onset + dt.timedelta(days=day)
        level = _underlying_level(day, curve, events, fracture_day)
        fracture_phase = fracture_day is not None and 0 <= day - fracture_day < 10
        state.noise = 0.7 * state.noise + rng.gauss(0, 0.55)
        level = clamp(level, 0, 10)
        state.smoothed = 0.85 * state.smoothed + 0.15 * level

        checked_in, on_holiday = _checks_in(
            rng,
            state,
            _checkin_rate(patient, day),
            forced_today=date in event_dates,
            fracture_phase=fracture_phase,
        )
        values = _symptoms(rng, level, state, curve.peak, habits)
        if fracture_phase and fracture_day is not None:
            _fracture_days(rng, values, day, fracture_day)
        _event_red_flags(values, date, events)
        values.sides = _painful_sides(rng, values, patient.hips, day, level)
        if habits.walks_with_phone:
            values.steps = max(
                200, round(habits.usual_steps * (1 - level / 12) + rng.gauss(0, 900))
            )
        if rng.random() < 0.05:
            values.pain_wb = None  # optional field, sometimes skipped
        recorded_at = dt.datetime.combine(
            date, dt.time(habits.evening_hour, int(rng.random() * 60)), tzinfo=patient.zone
        ).astimezone(dt.UTC)
        if checked_in:
            checkins.append(_checkin_row(ids, date, values, recorded_at))

        # Exercise sessions, against the plan in force that day.
        plan = _plan_on(patient.plans, date)
        if plan is None or on_holiday or fracture_phase:
            continue
        adherence = patient.adherence.on(date, patient.plan_start)
        sessions += _sessions_of_day(rng, ids, plan, date, adherence, values.pain_now, recorded_at)
    return checkins, sessions


def _checkin_rate(patient: PatientTraits, day: int) -> float:
    """The chance of checking in on ``day``: fading engagement lowers it as the pain settles."""
    rate = patient.engagement.checkin_rate
    if patient.engagement.fading:
        curve = patient.curve
        span = max(curve.resolution_day - curve.peak_day, 1)
        rate -= 0.45 * clamp((day - curve.peak_day) / span, 0, 1)
    return rate


def _underlying_level(
    day: int, curve: PainCurve, events: dict[str, dt.date], fracture_day: int | None
) -> float:
    """The pain of the course on ``day`` plus the bumps of a worsening, a return, a fracture's
    tail (before noise and clamping)."""
    level = curve.level(day)
    if EVENT_WORSENING in events:
        level += event_bump(
            day, (events[EVENT_WORSENING] - curve.onset).days, rise=6, hold=14, fall=14, height=2.8
        )
    if EVENT_RETURN in events:
        level += event_bump(
            day, (events[EVENT_RETURN] - curve.onset).days, rise=2, hold=12, fall=10, height=4.3
        )
    if fracture_day is not None and day - fracture_day >= 10:
        level += 2.0 * math.exp(-(day - fracture_day - 10) / 30)
    return level


def _checks_in(
    rng: random.Random,
    state: _DayState,
    rate: float,
    *,
    forced_today: bool,
    fracture_phase: bool,
) -> tuple[bool, bool]:
    """(checked in, on holiday): a base rate, and the odd gap of several days; an event's day
    and a fracture are always recorded."""
    if state.gap_left == 0 and rng.random() < 0.006:
        state.gap_left = rng.randint(3, 8)
    on_holiday = state.gap_left > 0 and not forced_today
    if on_holiday:
        state.gap_left -= 1
        return False, True
    return forced_today or fracture_phase or rng.random() < rate, False


def _symptoms(
    rng: random.Random, level: float, state: _DayState, peak: float, habits: Habits
) -> _DayValues:
    """The answers that follow from the day's pain level."""
    pain_now = round(clamp(level + state.noise, 0, 10))
    worst = min(10, pain_now + max(0, round(rng.gauss(1.3, 0.7))))
    wb_gap = max(1, round(level * 0.2 + rng.gauss(0.7, 0.5)))
    pain_wb = min(10, pain_now + wb_gap)
    weight_bearing = "partial" if pain_wb >= 7 and rng.random() < 0.6 else "full"
    if state.smoothed >= 5 and habits.aid_when_high != "none":
        aid = habits.aid_when_high
    elif state.smoothed >= 3.2 and habits.aid_when_high != "none":
        aid = "cane"
    else:
        aid = "none"
    stiffness_base = habits.stiffness_at_peak * (level / peak) ** 2 if level >= 3 else level * 3
    stiffness = int(5 * round(clamp(stiffness_base + rng.gauss(0, 8), 0, 240) / 5))
    return _DayValues(
        pain_now=pain_now,
        worst=worst,
        pain_wb=pain_wb,
        weight_bearing=weight_bearing,
        aid=aid,
        stiffness=stiffness,
        sleep_disturbed=rng.random() < sigmoid((level - 4.8) * 1.3),
        activities_affected=rng.random() < sigmoid((level - 4.3) * 1.3),
        night_pain=rng.random() < 0.7 * sigmoid((level - 6.2) * 1.2),
        limping=rng.random() < sigmoid((pain_wb - 4.8) * 1.1),
    )


def _fracture_days(rng: random.Random, values: _DayValues, day: int, fracture_day: int) -> None:
    """Sudden pain, weight bearing lost: what a fracture of the weakened femoral neck looks like
    from the patient's side, in the first 10 days after it."""
    values.pain_now = rng.randint(7, 9)
    values.worst = min(10, values.pain_now + 1)
    values.pain_wb = 10
    values.weight_bearing = "none" if day - fracture_day < 6 else "partial"
    values.aid = "wheelchair" if day - fracture_day < 4 else "walker"
    values.night_pain = True
    values.limping = True
    values.sleep_disturbed = values.activities_affected = True
    if day == fracture_day and rng.random() < 0.4:
        values.red_flags.append("leg_short_or_turned_out")


def _event_red_flags(values: _DayValues, date: dt.date, events: dict[str, dt.date]) -> None:
    """A fall, and feeling unwell (that day and the next), as the patient reports them."""
    if EVENT_FALL in events and date == events[EVENT_FALL]:
        values.red_flags.append("fall_or_injury")
        values.worst = min(10, values.worst + 3)
    if EVENT_UNWELL in events and date in (
        events[EVENT_UNWELL],
        events[EVENT_UNWELL] + dt.timedelta(days=1),
    ):
        values.red_flags.append("fever_or_unwell")


def _painful_sides(
    rng: random.Random, values: _DayValues, hips: Hips, day: int, level: float
) -> list[str]:
    sides = ["left", "right"] if hips.affected_side == "both" else [hips.affected_side]
    if hips.migrated and day >= hips.migration_day and rng.random() < 0.8:
        sides = ["left", "right"]
    if level < 1.2 and values.pain_now <= 1:
        sides = []
    return sides


def _checkin_row(ids: random.Random, date: dt.date, v: _DayValues, recorded_at: dt.datetime):
    """A row in CHECKIN_FIELDS order."""
    return (
        row_id(ids),
        row_id(ids),
        date,
        v.pain_now,
        max(v.worst, v.pain_now),
        v.pain_wb,
        v.stiffness,
        v.sleep_disturbed,
        v.activities_affected,
        v.weight_bearing,
        v.night_pain,
        v.aid,
        v.limping,
        v.sides,
        v.red_flags,
        v.steps,
        recorded_at,
    )


def _plan_on(plans: list[PlanSpec], date: dt.date) -> PlanSpec | None:
    """The plan in force on ``date`` (the latest that started and has not ended)."""
    return next(
        (
            p
            for p in reversed(plans)
            if p.starts_on <= date and (p.effective_ends_on is None or date <= p.effective_ends_on)
        ),
        None,
    )


def _sessions_of_day(
    rng: random.Random,
    ids: random.Random,
    plan: PlanSpec,
    date: dt.date,
    adherence: float,
    pain_now: int,
    recorded_at: dt.datetime,
) -> list[tuple]:
    """The sessions (rows in SESSION_FIELDS order) of the plan's items due that weekday."""
    weekday = date.weekday()
    return [
        (
            row_id(ids),
            row_id(ids),
            date,
            item.id,
            max(1, item.sets - (rng.random() < 0.15)),
            max(0, min(10, pain_now - 2 + int(rng.random() * 3))),
            recorded_at - dt.timedelta(hours=1 + int(rng.random() * 8)),
        )
        for item in plan.items
        if weekday in item.weekdays and rng.random() < adherence
    ]
