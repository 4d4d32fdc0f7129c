"""The course of one synthetic TOH patient (pure Python, no database): who they are, how their
pain runs, their events, plans and habits, drawn in a fixed order; days.py then records it day
by day, and model.py holds the shapes.

Every number here is a modelling choice grounded in what is published about transient
osteoporosis of the hip; docs/cohort.md lists the facts and where they come from. A patient is
simulated from its own random stream, ``random.Random(f"{seed}:{index}")``, so the same seed
and index always give the same patient, whatever else is generated around it.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from zoneinfo import ZoneInfo

from scripts.cohort.days import simulate_record
from scripts.cohort.model import (
    EVENT_FALL,
    EVENT_FRACTURE,
    EVENT_RETURN,
    EVENT_UNWELL,
    EVENT_WORSENING,
    Adherence,
    CohortOptions,
    Engagement,
    Habits,
    Hips,
    PainCurve,
    PatientCourse,
    PatientTraits,
    PlanItemSpec,
    PlanSpec,
    clamp,
    new_uuid,
)
from scripts.cohort.names import FIRST_NAMES, LAST_NAMES


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


def _item(
    rng: random.Random, ids: random.Random, library_index: int, *, sets: int, days: int
) -> PlanItemSpec:
    return PlanItemSpec(
        library_index, sets, days, new_uuid(ids), frozenset(rng.sample(range(7), days))
    )


def _library_choice(rng: random.Random, library_size: int, count: int) -> list[int]:
    return sorted(rng.sample(range(library_size), min(count, library_size)))


def _draw_pain_curve(rng: random.Random, options: CohortOptions) -> PainCurve:
    """Onset, enrolment and the shape of the pain over the course."""
    today = options.today
    if options.full_year:
        enrolled_on = today - dt.timedelta(days=364)
        onset = enrolled_on - dt.timedelta(days=rng.randint(7, 42))
    else:
        onset = today - dt.timedelta(days=rng.randint(0, round(options.months * 30.44)))
        # Referral and diagnosis take weeks: the record starts when the physio enrols them.
        enrolled_on = min(onset + dt.timedelta(days=rng.randint(7, 35)), today)
    peak_day = round(clamp(rng.lognormvariate(math.log(45), 0.45), 14, 130))
    plateau = rng.randint(7, 35)
    if rng.random() < 0.88:
        resolution_day = round(rng.triangular(180, 365, 240))
    else:  # "a few run longer"
        resolution_day = rng.randint(366, 540)
    resolution_day = max(resolution_day, peak_day + plateau + 30)
    return PainCurve(
        onset=onset,
        enrolled_on=enrolled_on,
        peak_day=peak_day,
        plateau=plateau,
        resolution_day=resolution_day,
        peak=clamp(rng.gauss(6.2, 1.1), 4.5, 9.0),
        start=rng.uniform(1.5, 3.5),
        decline_shape=rng.uniform(0.8, 1.6),
    )


def _draw_hips(rng: random.Random, pregnancy: bool, curve: PainCurve) -> Hips:
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
    return Hips(affected_side, migrated, migration_day)


def _draw_diagnosis(
    rng: random.Random, curve: PainCurve, today: dt.date
) -> tuple[str, dt.date, dt.date]:
    """How and when it was diagnosed, and when home treatment started."""
    diagnosis_method = rng.choices(["mri", "xray", "clinical"], weights=[80, 8, 12])[0]
    diagnosis_date = min(curve.onset + dt.timedelta(days=rng.randint(5, 35)), today)
    return diagnosis_method, diagnosis_date, max(curve.enrolled_on, diagnosis_date)


def _draw_engagement(rng: random.Random, options: CohortOptions, curve: PainCurve) -> Engagement:
    """How often the patient checks in, and when they stop (settled, or dropped out)."""
    checkin_rate = rng.uniform(0.72, 0.97)
    fading = rng.random() < 0.3
    dropped_out = not options.full_year and rng.random() < 0.05
    stop_day = curve.resolution_day + rng.randint(7, 45)
    if dropped_out:
        stop_day = rng.randint(max(curve.peak_day, 21), curve.resolution_day)
    return Engagement(checkin_rate, fading, dropped_out, stop_day)


def _draw_events(
    rng: random.Random,
    curve: PainCurve,
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
    curve: PainCurve,
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
    options: CohortOptions, engagement: Engagement, curve: PainCurve, stop_day: int
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
        id=new_uuid(ids),
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
                id=new_uuid(ids),
            )
        )
    return plans, plan_start


def _draw_adherence(rng: random.Random) -> Adherence:
    profile = rng.choices(["steady", "fading", "low"], weights=[50, 35, 15])[0]
    # All three are drawn whatever the profile (the stream stays the same for each).
    start = {
        "steady": rng.uniform(0.88, 1.0),
        "fading": rng.uniform(0.8, 0.95),
        "low": rng.uniform(0.35, 0.6),
    }[profile]
    return Adherence(profile, start, rng.randint(8, 20))


def _draw_habits(rng: random.Random) -> Habits:
    return Habits(
        stiffness_at_peak=rng.uniform(20, 80),
        aid_when_high=rng.choices(["crutches", "cane", "none"], weights=[55, 30, 15])[0],
        walks_with_phone=rng.random() < 0.7,
        usual_steps=rng.uniform(4500, 9500),
        evening_hour=rng.randint(18, 22),
    )


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
    user_id, patient_id, episode_id = new_uuid(ids), new_uuid(ids), new_uuid(ids)

    patient = PatientTraits(
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
    checkins, sessions = simulate_record(rng, ids, patient, last_record_day)

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
