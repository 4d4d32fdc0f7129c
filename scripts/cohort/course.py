"""The course of one synthetic TOH patient, simulated day by day (pure Python, no database).

Every number here is a modelling choice grounded in what is published about transient
osteoporosis of the hip; docs/cohort.md lists the facts and where they come from. A patient is
simulated from its own random stream, ``random.Random(f"{seed}:{index}")``, so the same seed
and index always give the same patient, whatever else is generated around it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scripts.cohort.names import FIRST_NAMES, LAST_NAMES

# Fields of a check-in row, in the order `PatientCourse.checkins` holds them.
CHECKIN_FIELDS = (
    "id",
    "client_id",
    "date",
    "pain_now",
    "pain_worst_24h",
    "pain_weight_bearing",
    "morning_stiffness_minutes",
    "sleep_disturbed",
    "daily_activities_affected",
    "weight_bearing",
    "night_or_rest_pain",
    "walking_aid",
    "limping",
    "painful_sides",
    "red_flags",
    "steps",
    "recorded_at",
)
SESSION_FIELDS = ("id", "client_id", "date", "plan_item", "sets_done", "pain_during", "recorded_at")

EVENT_WORSENING = "worsening"
EVENT_RETURN = "return"
EVENT_FRACTURE = "fracture"
EVENT_FALL = "fall"
EVENT_UNWELL = "unwell"
EVENT_KINDS = (EVENT_WORSENING, EVENT_RETURN, EVENT_FRACTURE, EVENT_FALL, EVENT_UNWELL)


@dataclass(frozen=True)
class CohortOptions:
    """What shapes a cohort as a whole (the command's options)."""

    seed: int
    today: dt.date
    months: int = 18
    # Benchmark shape: every patient enrolled a year ago, episode still open, data every day
    # up to today (apart from missed days).
    full_year: bool = False
    timezone: str = "Europe/London"
    # Mixed into the stream that makes row ids (not values), so two clinics generated with the
    # same seed hold the same data under different keys.
    id_salt: str = ""


@dataclass
class PlanItemSpec:
    library_index: int  # index into the exercise library sorted by slug
    sets: int
    days_per_week: int
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    # The weekdays the patient does it on (people keep a routine: Mon/Wed/Fri...).
    weekdays: frozenset[int] = frozenset()


@dataclass
class PlanSpec:
    starts_on: dt.date
    items: list[PlanItemSpec]
    effective_ends_on: dt.date | None = None
    id: uuid.UUID = field(default_factory=uuid.uuid4)


@dataclass
class PatientCourse:
    """Everything generated for one patient: who, the episode, and its daily record."""

    index: int
    user_id: uuid.UUID
    patient_id: uuid.UUID
    episode_id: uuid.UUID
    first_name: str
    last_name: str
    sex: str
    date_of_birth: dt.date
    enrolled_on: dt.date
    affected_side: str
    pregnancy_associated: bool
    symptom_onset_date: dt.date
    diagnosis_date: dt.date | None
    diagnosis_method: str
    home_treatment_started_on: dt.date
    resolution_day: int  # days from onset until pain has settled (the modelled course)
    peak_day: int
    status: str
    resolved_on: dt.date | None
    migrated_to_other_hip: bool
    adherence_profile: str
    events: dict[str, dt.date]
    plans: list[PlanSpec]
    checkins: list[tuple]
    sessions: list[tuple]

    @property
    def age_at_onset(self) -> int:
        born, onset = self.date_of_birth, self.symptom_onset_date
        return onset.year - born.year - ((onset.month, onset.day) < (born.month, born.day))


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _row_id(rng: random.Random) -> str:
    """A row's UUID as 32 hex digits: the database parses it, and it is 3× cheaper to make."""
    return "%032x" % rng.getrandbits(128)  # noqa: UP031 - the fastest formatting here


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _smoothstep(x: float) -> float:
    x = _clamp(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def _demographics(rng: random.Random) -> tuple[str, int, bool]:
    """Sex, age at onset and whether the episode is pregnancy-associated.

    TOH is reported mostly in middle-aged men (roughly two to three men for each woman) and in
    women in the third trimester of pregnancy or just after it."""
    draw = rng.random()
    if draw < 0.10:
        return "female", round(rng.triangular(24, 41, 32)), True
    if draw < 0.72:
        if rng.random() < 0.8:
            return "male", round(rng.triangular(30, 60, 45)), False
        return "male", rng.choice([rng.randint(20, 29), rng.randint(61, 75)]), False
    return "female", round(rng.triangular(35, 75, 55)), False


def _pain_level(
    day: int,
    *,
    peak_day: int,
    plateau: int,
    resolution_day: int,
    peak: float,
    start: float,
    decline_shape: float,
) -> float:
    """The underlying pain (0–10) on ``day`` days after onset, before day-to-day noise.

    Builds over weeks to months to a peak, stays there a few weeks, then eases until it has
    settled at ``resolution_day``."""
    if day < peak_day:
        return start + (peak - start) * _smoothstep(day / peak_day)
    if day < peak_day + plateau:
        return peak
    if day < resolution_day:
        span = max(resolution_day - peak_day - plateau, 1)
        remaining = 1 - (day - peak_day - plateau) / span
        return 0.4 + (peak - 0.4) * remaining**decline_shape
    return 0.4


def _event_bump(day: int, start: int, *, rise: int, hold: int, fall: int, height: float) -> float:
    """A trapezoid of extra pain: up over ``rise`` days, ``hold`` days high, down over ``fall``."""
    offset = day - start
    if offset < 0 or offset >= rise + hold + fall:
        return 0.0
    if offset < rise:
        return height * (offset + 1) / rise
    if offset < rise + hold:
        return height
    return height * (1 - (offset - rise - hold + 1) / (fall + 1))


def _item(
    rng: random.Random, ids: random.Random, library_index: int, *, sets: int, days: int
) -> PlanItemSpec:
    return PlanItemSpec(
        library_index, sets, days, _uuid(ids), frozenset(rng.sample(range(7), days))
    )


def _library_choice(rng: random.Random, library_size: int, count: int) -> list[int]:
    return sorted(rng.sample(range(library_size), min(count, library_size)))


@dataclass(frozen=True)
class _PainCurve:
    """The modelled course of the pain: when it starts, peaks, plateaus and settles."""

    onset: dt.date
    enrolled_on: dt.date
    peak_day: int
    plateau: int
    resolution_day: int
    peak: float
    start: float
    decline_shape: float

    def level(self, day: int) -> float:
        return _pain_level(
            day,
            peak_day=self.peak_day,
            plateau=self.plateau,
            resolution_day=self.resolution_day,
            peak=self.peak,
            start=self.start,
            decline_shape=self.decline_shape,
        )


@dataclass(frozen=True)
class _Hips:
    affected_side: str
    migrated: bool  # moved to the other hip ("regional migration") from migration_day on
    migration_day: int


@dataclass(frozen=True)
class _Engagement:
    checkin_rate: float
    fading: bool
    dropped_out: bool
    stop_day: int  # the last day (from onset) the patient records anything, before events


@dataclass(frozen=True)
class _Adherence:
    profile: str
    start: float
    fade_weeks: int

    def on(self, date: dt.date, plan_start: dt.date) -> float:
        """The chance of doing a prescribed exercise on ``date``."""
        if self.profile != "fading":
            return self.start
        weeks = (date - plan_start).days / 7
        return self.start - (self.start - 0.2) * _clamp(weeks / self.fade_weeks, 0, 1)


@dataclass(frozen=True)
class _Habits:
    """How this patient's check-ins look from day to day."""

    stiffness_at_peak: float
    aid_when_high: str
    walks_with_phone: bool
    usual_steps: float
    evening_hour: int


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


def _draw_pain_curve(rng: random.Random, options: CohortOptions) -> _PainCurve:
    """Onset, enrolment and the shape of the pain over the course."""
    today = options.today
    if options.full_year:
        enrolled_on = today - dt.timedelta(days=364)
        onset = enrolled_on - dt.timedelta(days=rng.randint(7, 42))
    else:
        onset = today - dt.timedelta(days=rng.randint(0, round(options.months * 30.44)))
        # Referral and diagnosis take weeks: the record starts when the physio enrols them.
        enrolled_on = min(onset + dt.timedelta(days=rng.randint(7, 35)), today)
    peak_day = round(_clamp(rng.lognormvariate(math.log(45), 0.45), 14, 130))
    plateau = rng.randint(7, 35)
    if rng.random() < 0.88:
        resolution_day = round(rng.triangular(180, 365, 240))
    else:  # "a few run longer"
        resolution_day = rng.randint(366, 540)
    resolution_day = max(resolution_day, peak_day + plateau + 30)
    return _PainCurve(
        onset=onset,
        enrolled_on=enrolled_on,
        peak_day=peak_day,
        plateau=plateau,
        resolution_day=resolution_day,
        peak=_clamp(rng.gauss(6.2, 1.1), 4.5, 9.0),
        start=rng.uniform(1.5, 3.5),
        decline_shape=rng.uniform(0.8, 1.6),
    )


def _draw_hips(rng: random.Random, pregnancy: bool, curve: _PainCurve) -> _Hips:
    """Which hip (or both), and whether a unilateral case moves to the other hip later."""
    side_draw = rng.random()
    if side_draw < 0.14:
        affected_side = "both"
    elif pregnancy:
        affected_side = "left" if side_draw < 0.75 else "right"  # left hip is reported more often
    else:
        affected_side = rng.choice(["left", "right"])
    # Some unilateral cases move to the other hip during the course ("regional migration").
    migrated = affected_side != "both" and rng.random() < 0.07
    migration_day = rng.randint(curve.peak_day, max(curve.peak_day + 1, curve.resolution_day - 30))
    return _Hips(affected_side, migrated, migration_day)


def _draw_diagnosis(
    rng: random.Random, curve: _PainCurve, today: dt.date
) -> tuple[str, dt.date, dt.date]:
    """How and when it was diagnosed, and when home treatment started."""
    diagnosis_method = rng.choices(["mri", "xray", "clinical"], weights=[80, 8, 12])[0]
    diagnosis_date = min(curve.onset + dt.timedelta(days=rng.randint(5, 35)), today)
    return diagnosis_method, diagnosis_date, max(curve.enrolled_on, diagnosis_date)


def _draw_engagement(rng: random.Random, options: CohortOptions, curve: _PainCurve) -> _Engagement:
    """How often the patient checks in, and when they stop (settled, or dropped out)."""
    checkin_rate = rng.uniform(0.72, 0.97)
    fading = rng.random() < 0.3
    dropped_out = not options.full_year and rng.random() < 0.05
    stop_day = curve.resolution_day + rng.randint(7, 45)
    if dropped_out:
        stop_day = rng.randint(max(curve.peak_day, 21), curve.resolution_day)
    return _Engagement(checkin_rate, fading, dropped_out, stop_day)


def _draw_events(
    rng: random.Random,
    curve: _PainCurve,
    today: dt.date,
    forced_event: tuple[str, int] | None,
) -> dict[str, dt.date]:
    """The course's rare events (worsening, return, fracture, fall, feeling unwell)."""
    events: dict[str, dt.date] = {}
    decline_start = curve.peak_day + curve.plateau
    resolution_day = curve.resolution_day

    def maybe_event(kind: str, probability: float, first: int, last: int) -> None:
        if rng.random() < probability and last > first:
            events[kind] = curve.onset + dt.timedelta(days=rng.randint(first, last))

    maybe_event(EVENT_WORSENING, 0.10, decline_start, resolution_day - 40)
    maybe_event(EVENT_RETURN, 0.08, resolution_day + 10, resolution_day + 40)
    maybe_event(EVENT_FRACTURE, 0.025, curve.peak_day // 2, resolution_day - 30)
    maybe_event(EVENT_FALL, 0.015, 0, resolution_day)
    maybe_event(EVENT_UNWELL, 0.015, 0, resolution_day)
    if forced_event is not None:
        kind, days_ago = forced_event
        events[kind] = today - dt.timedelta(days=days_ago)
    return events


def _stop_day_after_events(
    stop_day: int,
    events: dict[str, dt.date],
    curve: _PainCurve,
    options: CohortOptions,
) -> int:
    """An event keeps the patient recording for weeks after it (and a full-year cohort and a
    recent fracture up to today)."""
    onset, today = curve.onset, options.today
    if EVENT_RETURN in events:
        stop_day = max(stop_day, (events[EVENT_RETURN] - onset).days + 30)
    for kind in (EVENT_FRACTURE, EVENT_WORSENING):
        if kind in events:
            stop_day = max(stop_day, (events[kind] - onset).days + 45)
    if options.full_year or (
        EVENT_FRACTURE in events and events[EVENT_FRACTURE] > today - dt.timedelta(days=60)
    ):
        stop_day = max(stop_day, (today - onset).days)
    return stop_day


def _episode_status(
    options: CohortOptions, engagement: _Engagement, curve: _PainCurve, stop_day: int
) -> tuple[str, dt.date | None]:
    """Resolved on the stop day once that is past (not for drop-outs nor a full-year cohort)."""
    if not options.full_year and not engagement.dropped_out:
        marked_on = curve.onset + dt.timedelta(days=stop_day)
        if marked_on <= options.today:
            return "resolved", marked_on
    return "active", None


def _draw_plans(
    rng: random.Random,
    ids: random.Random,
    library_size: int,
    home_treatment_started_on: dt.date,
    today: dt.date,
) -> tuple[list[PlanSpec], dt.date]:
    """The first exercise plan and, for some, a progression that supersedes it."""
    plan_start = min(home_treatment_started_on + dt.timedelta(days=rng.randint(0, 7)), today)
    first_plan = PlanSpec(
        starts_on=plan_start,
        items=[
            _item(rng, ids, i, sets=rng.randint(2, 3), days=rng.choice([3, 4, 5, 7]))
            for i in _library_choice(rng, library_size, rng.randint(3, 4))
        ],
        id=_uuid(ids),
    )
    plans = [first_plan]
    progression_on = plan_start + dt.timedelta(days=rng.randint(56, 98))
    if rng.random() < 0.4 and progression_on <= today:
        # Progression: a new plan from weeks 8–14 supersedes the first.
        first_plan.effective_ends_on = progression_on - dt.timedelta(days=1)
        plans.append(
            PlanSpec(
                starts_on=progression_on,
                items=[
                    _item(rng, ids, i, sets=rng.randint(2, 4), days=rng.choice([3, 5, 7]))
                    for i in _library_choice(rng, library_size, rng.randint(3, 5))
                ],
                id=_uuid(ids),
            )
        )
    return plans, plan_start


def _draw_adherence(rng: random.Random) -> _Adherence:
    profile = rng.choices(["steady", "fading", "low"], weights=[50, 35, 15])[0]
    # All three are drawn whatever the profile (the stream stays the same for each).
    start = {
        "steady": rng.uniform(0.88, 1.0),
        "fading": rng.uniform(0.8, 0.95),
        "low": rng.uniform(0.35, 0.6),
    }[profile]
    return _Adherence(profile, start, rng.randint(8, 20))


def _draw_habits(rng: random.Random) -> _Habits:
    return _Habits(
        stiffness_at_peak=rng.uniform(20, 80),
        aid_when_high=rng.choices(["crutches", "cane", "none"], weights=[55, 30, 15])[0],
        walks_with_phone=rng.random() < 0.7,
        usual_steps=rng.uniform(4500, 9500),
        evening_hour=rng.randint(18, 22),
    )


def _underlying_level(
    day: int, curve: _PainCurve, events: dict[str, dt.date], fracture_day: int | None
) -> float:
    """The pain of the course on ``day`` plus the bumps of a worsening, a return, a fracture's
    tail (before noise and clamping)."""
    level = curve.level(day)
    if EVENT_WORSENING in events:
        level += _event_bump(
            day, (events[EVENT_WORSENING] - curve.onset).days, rise=6, hold=14, fall=14, height=2.8
        )
    if EVENT_RETURN in events:
        level += _event_bump(
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
    rng: random.Random, level: float, state: _DayState, peak: float, habits: _Habits
) -> _DayValues:
    """The answers that follow from the day's pain level."""
    pain_now = round(_clamp(level + state.noise, 0, 10))
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
    stiffness = int(5 * round(_clamp(stiffness_base + rng.gauss(0, 8), 0, 240) / 5))
    return _DayValues(
        pain_now=pain_now,
        worst=worst,
        pain_wb=pain_wb,
        weight_bearing=weight_bearing,
        aid=aid,
        stiffness=stiffness,
        sleep_disturbed=rng.random() < _sigmoid((level - 4.8) * 1.3),
        activities_affected=rng.random() < _sigmoid((level - 4.3) * 1.3),
        night_pain=rng.random() < 0.7 * _sigmoid((level - 6.2) * 1.2),
        limping=rng.random() < _sigmoid((pain_wb - 4.8) * 1.1),
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
    rng: random.Random, values: _DayValues, hips: _Hips, day: int, level: float
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
        _row_id(ids),
        _row_id(ids),
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
            _row_id(ids),
            _row_id(ids),
            date,
            item.id,
            max(1, item.sets - (rng.random() < 0.15)),
            max(0, min(10, pain_now - 2 + int(rng.random() * 3))),
            recorded_at - dt.timedelta(hours=1 + int(rng.random() * 8)),
        )
        for item in plan.items
        if weekday in item.weekdays and rng.random() < adherence
    ]


@dataclass(frozen=True)
class _Patient:
    """What the day-by-day simulation needs to know about one patient."""

    curve: _PainCurve
    hips: _Hips
    engagement: _Engagement
    events: dict[str, dt.date]
    plans: list[PlanSpec]
    plan_start: dt.date
    adherence: _Adherence
    habits: _Habits
    zone: ZoneInfo


def _simulate_record(
    rng: random.Random, ids: random.Random, patient: _Patient, last_record_day: int
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
        level = _clamp(level, 0, 10)
        state.smoothed = 0.85 * state.smoothed + 0.15 * level

        checked_in, on_holiday = _checks_in(
            rng,
            state,
            _checkin_rate(patient, day),
            forced_today=date in event_dates,
            fracture_phase=fracture_phase,
        )
        values = _symptoms(rng, level, state, curve.peak, habits)
        if fracture_phase:
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


def _checkin_rate(patient: _Patient, day: int) -> float:
    """The chance of checking in on ``day``: fading engagement lowers it as the pain settles."""
    rate = patient.engagement.checkin_rate
    if patient.engagement.fading:
        curve = patient.curve
        span = max(curve.resolution_day - curve.peak_day, 1)
        rate -= 0.45 * _clamp((day - curve.peak_day) / span, 0, 1)
    return rate


def simulate_patient(
    index: int,
    options: CohortOptions,
    *,
    library_size: int,
    forced_event: tuple[str, int] | None = None,
) -> PatientCourse:
    """Simulate patient ``index`` of the cohort.

    ``forced_event`` = (kind, days before today) places one event on a recent date; the
    generator uses it so that even a small cohort shows every kind of flag (see docs).
    The draws come in a fixed order from the patient's streams (values from ``rng``, row ids
    from ``ids``): each part below takes its draws in turn, so reordering them changes the
    cohort (tests/cohort/test_course_digest.py)."""
    rng = random.Random(f"{options.seed}:{index}")
    ids = random.Random(f"{options.seed}:{index}:{options.id_salt}")
    today = options.today

    sex, age, pregnancy = _demographics(rng)
    first_name = rng.choice(FIRST_NAMES[sex])
    last_name = rng.choice(LAST_NAMES)
    curve = _draw_pain_curve(rng, options)
    hips = _draw_hips(rng, pregnancy, curve)
    diagnosis_method, diagnosis_date, home_treatment_started_on = _draw_diagnosis(rng, curve, today)
    engagement = _draw_engagement(rng, options, curve)
    events = _draw_events(rng, curve, today, forced_event)
    stop_day = _stop_day_after_events(engagement.stop_day, events, curve, options)
    last_record_day = min((today - curve.onset).days, stop_day)
    status, resolved_on = _episode_status(options, engagement, curve, stop_day)
    plans, plan_start = _draw_plans(rng, ids, library_size, home_treatment_started_on, today)
    adherence = _draw_adherence(rng)
    habits = _draw_habits(rng)
    user_id, patient_id, episode_id = _uuid(ids), _uuid(ids), _uuid(ids)

    patient = _Patient(
        curve=curve,
        hips=hips,
        engagement=engagement,
        events=events,
        plans=plans,
        plan_start=plan_start,
        adherence=adherence,
        habits=habits,
        zone=ZoneInfo(options.timezone),
    )
    checkins, sessions = _simulate_record(rng, ids, patient, last_record_day)

    birth_year = curve.onset.year - age
    date_of_birth = dt.date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
    return PatientCourse(
        index=index,
        user_id=user_id,
        patient_id=patient_id,
        episode_id=episode_id,
        first_name=first_name,
        last_name=last_name,
        sex=sex,
        date_of_birth=date_of_birth,
        enrolled_on=curve.enrolled_on,
        affected_side=hips.affected_side,
        pregnancy_associated=pregnancy,
        symptom_onset_date=curve.onset,
        diagnosis_date=diagnosis_date,
        diagnosis_method=diagnosis_method,
        home_treatment_started_on=home_treatment_started_on,
        resolution_day=curve.resolution_day,
        peak_day=curve.peak_day,
        status=status,
        resolved_on=resolved_on,
        migrated_to_other_hip=hips.migrated,
        adherence_profile=adherence.profile,
        events=events,
        plans=plans,
        checkins=checkins,
        sessions=sessions,
    )


def simulate_chunk(
    indices: list[int],
    options: CohortOptions,
    library_size: int,
    forced_events: dict[int, tuple[str, int]],
) -> list[PatientCourse]:
    """Simulate several patients (a unit of work for a process pool)."""
    return [
        simulate_patient(
            index, options, library_size=library_size, forced_event=forced_events.get(index)
        )
        for index in indices
    ]
