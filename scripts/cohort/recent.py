"""Recent events for small cohorts: which patients get a fracture, a worsening or a return of
pain in the last fortnight, so that a small clinic shows every kind of flag (docs/cohort.md,
"Small cohorts always show every kind of flag"). Pure Python, no database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from scripts.cohort.course import simulate_patient
from scripts.cohort.model import (
    EVENT_FRACTURE,
    EVENT_RETURN,
    EVENT_WORSENING,
    CohortOptions,
    PatientCourse,
)

# Up to this size the generator makes sure every kind of event happened recently to someone
# (a 60-patient clinic otherwise often has no fracture-like event in any given fortnight).
ENSURE_RECENT_EVENTS_UP_TO = 1000
RECENT_DAYS = 14


def choose_forced_events(
    options: CohortOptions, indices: Sequence[int], *, library_size: int
) -> dict[int, tuple[str, int]]:
    """Patients who get a recent event so that a small cohort shows every kind of flag.

    Only kinds that no patient has had in the last fortnight are placed, each on a patient
    whose course is at a stage where that event makes sense."""
    courses = [simulate_patient(i, options, library_size=library_size) for i in indices]
    today = options.today
    forced: dict[int, tuple[str, int]] = {}
    for kind, (days_ago, suits) in _wanted(today).items():
        if _had_recently(courses, kind, today):
            continue
        candidates = [
            c
            for c in courses
            if c.index not in forced
            and _active_and_recording(c, today)
            and suits(c)
            and not c.events
            and len(c.checkins) >= 30
        ]
        if kind == EVENT_RETURN and not candidates:
            # A resolved course whose patient still records: extend with the late return.
            candidates = [
                c
                for c in courses
                if c.index not in forced
                and not c.events
                and suits(c)
                and c.checkins
                and c.checkins[-1][2] >= today - dt.timedelta(days=40)
            ]
        if candidates:
            forced[candidates[len(candidates) // 2].index] = (kind, days_ago)
    return forced


def _wanted(today: dt.date) -> dict[str, tuple[int, Callable[[PatientCourse], bool]]]:
    """Each kind placed: how many days ago, and whether a course is at a stage for it."""

    def day_of_course(course: PatientCourse) -> int:
        return (today - course.symptom_onset_date).days

    return {
        EVENT_FRACTURE: (2, lambda c: day_of_course(c) >= 30),
        EVENT_WORSENING: (
            10,
            lambda c: c.peak_day + 40 <= day_of_course(c) < c.resolution_day - 30,
        ),
        EVENT_RETURN: (5, lambda c: c.resolution_day + 12 <= day_of_course(c)),
    }


def _active_and_recording(course: PatientCourse, today: dt.date) -> bool:
    return (
        course.status == "active"
        and bool(course.checkins)
        and course.checkins[-1][2] >= today - dt.timedelta(days=2)
    )


def _had_recently(courses: Sequence[PatientCourse], kind: str, today: dt.date) -> bool:
    """Some active, recording patient had ``kind`` in the last fortnight."""
    recent = today - dt.timedelta(days=RECENT_DAYS)
    return any(
        recent <= c.events.get(kind, dt.date.min) <= today and _active_and_recording(c, today)
        for c in courses
    )
