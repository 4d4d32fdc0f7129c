"""The shapes of a simulated cohort: its options, a patient's course and its parts, and the
curves every patient's pain follows (pure Python, no database; docs/cohort.md)."""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

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


@dataclass(frozen=True)
class PainCurve:
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
        return pain_level(
            day,
            peak_day=self.peak_day,
            plateau=self.plateau,
            resolution_day=self.resolution_day,
            peak=self.peak,
            start=self.start,
            decline_shape=self.decline_shape,
        )


@dataclass(frozen=True)
class Hips:
    affected_side: str
    migrated: bool  # moved to the other hip ("regional migration") from migration_day on
    migration_day: int


@dataclass(frozen=True)
class Engagement:
    checkin_rate: float
    fading: bool
    dropped_out: bool
    stop_day: int  # the last day (from onset) the patient records anything, before events


@dataclass(frozen=True)
class Adherence:
    profile: str
    start: float
    fade_weeks: int

    def on(self, date: dt.date, plan_start: dt.date) -> float:
        """The chance of doing a prescribed exercise on ``date``."""
        if self.profile != "fading":
            return self.start
        weeks = (date - plan_start).days / 7
        return self.start - (self.start - 0.2) * clamp(weeks / self.fade_weeks, 0, 1)


@dataclass(frozen=True)
class Habits:
    """How this patient's check-ins look from day to day."""

    stiffness_at_peak: float
    aid_when_high: str
    walks_with_phone: bool
    usual_steps: float
    evening_hour: int


@dataclass(frozen=True)
class PatientTraits:
    """What the day-by-day simulation needs to know about one patient."""

    curve: PainCurve
    hips: Hips
    engagement: Engagement
    events: dict[str, dt.date]
    plans: list[PlanSpec]
    plan_start: dt.date
    adherence: Adherence
    habits: Habits
    zone: ZoneInfo


def new_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def row_id(rng: random.Random) -> str:
    """A row's UUID as 32 hex digits: the database parses it, and it is 3× cheaper to make."""
    return "%032x" % rng.getrandbits(128)  # noqa: UP031 - the fastest formatting here


def clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def smoothstep(x: float) -> float:
    x = clamp(x, 0.0, 1.0)
    return x * x * (3 - 2 * x)


def pain_level(
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
        return start + (peak - start) * smoothstep(day / peak_day)
    if day < peak_day + plateau:
        return peak
    if day < resolution_day:
        span = max(resolution_day - peak_day - plateau, 1)
        remaining = 1 - (day - peak_day - plateau) / span
        declined: float = remaining**decline_shape
        return 0.4 + (peak - 0.4) * declined
    return 0.4


def event_bump(day: int, start: int, *, rise: int, hold: int, fall: int, height: float) -> float:
    """A trapezoid of extra pain: up over ``rise`` days, ``hold`` days high, down over ``fall``."""
    offset = day - start
    if offset < 0 or offset >= rise + hold + fall:
        return 0.0
    if offset < rise:
        return height * (offset + 1) / rise
    if offset < rise + hold:
        return height
    return height * (1 - (offset - rise - hold + 1) / (fall + 1))
