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

FIRST_NAMES = {
    "male": [
        "Adam",
        "Ben",
        "Carl",
        "Dev",
        "Eli",
        "Finn",
        "Hugo",
        "Ian",
        "Jon",
        "Kai",
        "Leo",
        "Max",
        "Nik",
        "Omar",
        "Paul",
        "Raj",
        "Sam",
        "Tom",
        "Umar",
        "Vic",
        "Will",
        "Yusuf",
        "Zane",
        "Arlo",
        "Boris",
        "Cyril",
        "Dario",
        "Emil",
        "Felix",
        "Gus",
    ],
    "female": [
        "Ada",
        "Bea",
        "Cleo",
        "Dina",
        "Eva",
        "Fay",
        "Gina",
        "Hana",
        "Iris",
        "Jade",
        "Kim",
        "Lena",
        "Mia",
        "Nora",
        "Olga",
        "Pia",
        "Rosa",
        "Sara",
        "Tess",
        "Uma",
        "Vera",
        "Wren",
        "Yara",
        "Zoe",
        "Alba",
        "Bryn",
        "Cora",
        "Dora",
        "Elin",
        "Flo",
    ],
}
LAST_NAMES = [
    "Abara",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Silva",
    "Tanaka",
    "Ueda",
    "Varga",
    "Walsh",
    "Xu",
    "Young",
    "Zielinski",
    "Ahmed",
    "Brown",
    "Chen",
    "Diaz",
    "Eriksen",
    "Farah",
    "Gill",
    "Haddad",
    "Iqbal",
    "Jones",
    "Khan",
    "Lopez",
    "Murphy",
    "Nguyen",
]

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


def simulate_patient(
    index: int,
    options: CohortOptions,
    *,
    library_size: int,
    forced_event: tuple[str, int] | None = None,
) -> PatientCourse:
    """Simulate patient ``index`` of the cohort.

    ``forced_event`` = (kind, days before today) places one event on a recent date; the
    generator uses it so that even a small cohort shows every kind of flag (see docs)."""
    rng = random.Random(f"{options.seed}:{index}")
    ids = random.Random(f"{options.seed}:{index}:{options.id_salt}")
    today = options.today
    zone = ZoneInfo(options.timezone)

    sex, age, pregnancy = _demographics(rng)
    first_name = rng.choice(FIRST_NAMES[sex])
    last_name = rng.choice(LAST_NAMES)

    # --- The modelled course -------------------------------------------------------------------
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
    peak = _clamp(rng.gauss(6.2, 1.1), 4.5, 9.0)
    start = rng.uniform(1.5, 3.5)
    decline_shape = rng.uniform(0.8, 1.6)

    side_draw = rng.random()
    if side_draw < 0.14:
        affected_side = "both"
    elif pregnancy:
        affected_side = "left" if side_draw < 0.75 else "right"  # left hip is reported more often
    else:
        affected_side = rng.choice(["left", "right"])
    # Some unilateral cases move to the other hip during the course ("regional migration").
    migrated = affected_side != "both" and rng.random() < 0.07
    migration_day = rng.randint(peak_day, max(peak_day + 1, resolution_day - 30))

    diagnosis_method = rng.choices(["mri", "xray", "clinical"], weights=[80, 8, 12])[0]
    diagnosis_date = min(onset + dt.timedelta(days=rng.randint(5, 35)), today)
    home_treatment_started_on = max(enrolled_on, diagnosis_date)

    # --- Engagement ----------------------------------------------------------------------------
    checkin_rate = rng.uniform(0.72, 0.97)
    fading = rng.random() < 0.3
    dropped_out = not options.full_year and rng.random() < 0.05
    stop_day = resolution_day + rng.randint(7, 45)
    if dropped_out:
        stop_day = rng.randint(max(peak_day, 21), resolution_day)

    # --- Events --------------------------------------------------------------------------------
    events: dict[str, dt.date] = {}
    decline_start = peak_day + plateau

    def maybe_event(kind: str, probability: float, first: int, last: int) -> None:
        if rng.random() < probability and last > first:
            events[kind] = onset + dt.timedelta(days=rng.randint(first, last))

    maybe_event(EVENT_WORSENING, 0.10, decline_start, resolution_day - 40)
    maybe_event(EVENT_RETURN, 0.08, resolution_day + 10, resolution_day + 40)
    maybe_event(EVENT_FRACTURE, 0.025, peak_day // 2, resolution_day - 30)
    maybe_event(EVENT_FALL, 0.015, 0, resolution_day)
    maybe_event(EVENT_UNWELL, 0.015, 0, resolution_day)
    if forced_event is not None:
        kind, days_ago = forced_event
        events[kind] = today - dt.timedelta(days=days_ago)
    if EVENT_RETURN in events:
        stop_day = max(stop_day, (events[EVENT_RETURN] - onset).days + 30)
    for kind in (EVENT_FRACTURE, EVENT_WORSENING):
        if kind in events:
            stop_day = max(stop_day, (events[kind] - onset).days + 45)
    if options.full_year or (
        EVENT_FRACTURE in events and events[EVENT_FRACTURE] > today - dt.timedelta(days=60)
    ):
        stop_day = max(stop_day, (today - onset).days)

    last_record_day = min((today - onset).days, stop_day)
    resolved_on = None
    status = "active"
    if not options.full_year and not dropped_out:
        marked_on = onset + dt.timedelta(days=stop_day)
        if marked_on <= today:
            status, resolved_on = "resolved", marked_on

    # --- Exercise plans ------------------------------------------------------------------------
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
    adherence_profile = rng.choices(["steady", "fading", "low"], weights=[50, 35, 15])[0]
    adherence_start = {
        "steady": rng.uniform(0.88, 1.0),
        "fading": rng.uniform(0.8, 0.95),
        "low": rng.uniform(0.35, 0.6),
    }[adherence_profile]
    fade_weeks = rng.randint(8, 20)

    # --- Day by day ----------------------------------------------------------------------------
    stiffness_at_peak = rng.uniform(20, 80)
    aid_when_high = rng.choices(["crutches", "cane", "none"], weights=[55, 30, 15])[0]
    walks_with_phone = rng.random() < 0.7
    usual_steps = rng.uniform(4500, 9500)
    evening_hour = rng.randint(18, 22)
    user_id, patient_id, episode_id = _uuid(ids), _uuid(ids), _uuid(ids)

    checkins: list[tuple] = []
    sessions: list[tuple] = []
    noise = 0.0
    smoothed = start
    gap_left = 0
    first_day = (enrolled_on - onset).days
    fracture_day = (events[EVENT_FRACTURE] - onset).days if EVENT_FRACTURE in events else None
    event_dates = set(events.values())
    for day in range(first_day, last_record_day + 1):
        date = onset + dt.timedelta(days=day)
        level = _pain_level(
            day,
            peak_day=peak_day,
            plateau=plateau,
            resolution_day=resolution_day,
            peak=peak,
            start=start,
            decline_shape=decline_shape,
        )
        if EVENT_WORSENING in events:
            level += _event_bump(
                day, (events[EVENT_WORSENING] - onset).days, rise=6, hold=14, fall=14, height=2.8
            )
        if EVENT_RETURN in events:
            level += _event_bump(
                day, (events[EVENT_RETURN] - onset).days, rise=2, hold=12, fall=10, height=4.3
            )
        fracture_phase = fracture_day is not None and 0 <= day - fracture_day < 10
        if fracture_day is not None and day - fracture_day >= 10:
            level += 2.0 * math.exp(-(day - fracture_day - 10) / 30)
        noise = 0.7 * noise + rng.gauss(0, 0.55)
        level = _clamp(level, 0, 10)
        smoothed = 0.85 * smoothed + 0.15 * level

        # Missed days: a base rate, fading engagement for some, and the odd gap of several days.
        rate = checkin_rate
        if fading:
            rate -= 0.45 * _clamp((day - peak_day) / max(resolution_day - peak_day, 1), 0, 1)
        if gap_left == 0 and rng.random() < 0.006:
            gap_left = rng.randint(3, 8)
        forced_today = date in event_dates
        on_holiday = gap_left > 0 and not forced_today
        if on_holiday:
            gap_left -= 1
            checked_in = False
        else:
            checked_in = forced_today or fracture_phase or rng.random() < rate

        pain_now = round(_clamp(level + noise, 0, 10))
        worst = min(10, pain_now + max(0, round(rng.gauss(1.3, 0.7))))
        wb_gap = max(1, round(level * 0.2 + rng.gauss(0.7, 0.5)))
        pain_wb: int | None = min(10, pain_now + wb_gap)
        weight_bearing = "partial" if pain_wb >= 7 and rng.random() < 0.6 else "full"
        if smoothed >= 5 and aid_when_high != "none":
            aid = aid_when_high
        elif smoothed >= 3.2 and aid_when_high != "none":
            aid = "cane"
        else:
            aid = "none"
        stiffness_base = stiffness_at_peak * (level / peak) ** 2 if level >= 3 else level * 3
        stiffness = int(5 * round(_clamp(stiffness_base + rng.gauss(0, 8), 0, 240) / 5))
        sleep_disturbed = rng.random() < _sigmoid((level - 4.8) * 1.3)
        activities_affected = rng.random() < _sigmoid((level - 4.3) * 1.3)
        night_pain = rng.random() < 0.7 * _sigmoid((level - 6.2) * 1.2)
        limping = rng.random() < _sigmoid((pain_wb - 4.8) * 1.1)
        red_flags: list[str] = []
        if fracture_phase:
            # Sudden pain, weight bearing lost: what a fracture of the weakened femoral neck
            # looks like from the patient's side.
            pain_now = rng.randint(7, 9)
            worst = min(10, pain_now + 1)
            pain_wb = 10
            weight_bearing = "none" if day - fracture_day < 6 else "partial"
            aid = "wheelchair" if day - fracture_day < 4 else "walker"
            night_pain = True
            limping = True
            sleep_disturbed = activities_affected = True
            if day == fracture_day and rng.random() < 0.4:
                red_flags.append("leg_short_or_turned_out")
        if EVENT_FALL in events and date == events[EVENT_FALL]:
            red_flags.append("fall_or_injury")
            worst = min(10, worst + 3)
        if EVENT_UNWELL in events and date in (
            events[EVENT_UNWELL],
            events[EVENT_UNWELL] + dt.timedelta(days=1),
        ):
            red_flags.append("fever_or_unwell")
        sides = ["left", "right"] if affected_side == "both" else [affected_side]
        if migrated and day >= migration_day and rng.random() < 0.8:
            sides = ["left", "right"]
        if level < 1.2 and pain_now <= 1:
            sides = []
        steps = None
        if walks_with_phone:
            steps = max(200, round(usual_steps * (1 - level / 12) + rng.gauss(0, 900)))
        if rng.random() < 0.05:
            pain_wb = None  # optional field, sometimes skipped
        recorded_at = dt.datetime.combine(
            date, dt.time(evening_hour, int(rng.random() * 60)), tzinfo=zone
        ).astimezone(dt.UTC)
        if checked_in:
            checkins.append(
                (
                    _row_id(ids),
                    _row_id(ids),
                    date,
                    pain_now,
                    max(worst, pain_now),
                    pain_wb,
                    stiffness,
                    sleep_disturbed,
                    activities_affected,
                    weight_bearing,
                    night_pain,
                    aid,
                    limping,
                    sides,
                    red_flags,
                    steps,
                    recorded_at,
                )
            )

        # Exercise sessions, against the plan in force that day.
        plan = next(
            (
                p
                for p in reversed(plans)
                if p.starts_on <= date
                and (p.effective_ends_on is None or date <= p.effective_ends_on)
            ),
            None,
        )
        if plan is None or on_holiday or fracture_phase:
            continue
        adherence = adherence_start
        if adherence_profile == "fading":
            weeks = (date - plan_start).days / 7
            adherence = adherence_start - (adherence_start - 0.2) * _clamp(weeks / fade_weeks, 0, 1)
        weekday = date.weekday()
        for item in plan.items:
            if weekday in item.weekdays and rng.random() < adherence:
                sessions.append(
                    (
                        _row_id(ids),
                        _row_id(ids),
                        date,
                        item.id,
                        max(1, item.sets - (rng.random() < 0.15)),
                        max(0, min(10, pain_now - 2 + int(rng.random() * 3))),
                        recorded_at - dt.timedelta(hours=1 + int(rng.random() * 8)),
                    )
                )

    birth_year = onset.year - age
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
        enrolled_on=enrolled_on,
        affected_side=affected_side,
        pregnancy_associated=pregnancy,
        symptom_onset_date=onset,
        diagnosis_date=diagnosis_date,
        diagnosis_method=diagnosis_method,
        home_treatment_started_on=home_treatment_started_on,
        resolution_day=resolution_day,
        peak_day=peak_day,
        status=status,
        resolved_on=resolved_on,
        migrated_to_other_hip=migrated,
        adherence_profile=adherence_profile,
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
