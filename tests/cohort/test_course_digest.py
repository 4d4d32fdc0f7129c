"""A fixed seed gives exactly the same patients: the check-in and session values, the plans and
the events of a set of simulated courses hash to the digest the generator produced before
`simulate_patient` was split into its parts (computed from that code). A change to the order
or number of random draws, or to any formula, changes the digest."""

from __future__ import annotations

import datetime as dt
import hashlib

from scripts.cohort.course import simulate_patient
from scripts.cohort.model import EVENT_KINDS, CohortOptions, PatientCourse

TODAY = dt.date(2026, 6, 1)
LIBRARY_SIZE = 12
#: sha256 of the courses below, from the code before the refactor.
EXPECTED_DIGEST = "5d062b7b88c25f44f224d6c659acbf70b642611578d3c98f4e7971d498af7dcc"
EXPECTED_COUNTS = (135, 20692, 40069)  # courses, check-ins, sessions

OPTIONS = (
    CohortOptions(seed=7, today=TODAY),
    CohortOptions(seed=7, today=TODAY, full_year=True, id_salt="x"),
    CohortOptions(seed=3, today=TODAY, months=6, timezone="America/New_York"),
)


def _courses() -> list[PatientCourse]:
    courses = []
    for options in OPTIONS:
        courses += [simulate_patient(i, options, library_size=LIBRARY_SIZE) for i in range(40)]
        courses += [
            simulate_patient(
                100 + j, options, library_size=LIBRARY_SIZE, forced_event=(kind, j + 1)
            )
            for j, kind in enumerate(EVENT_KINDS)
        ]
    return courses


def _digest(courses: list[PatientCourse]) -> str:
    digest = hashlib.sha256()
    for course in courses:
        digest.update(repr(sorted(vars(course).items())).encode())
    return digest.hexdigest()


def test_a_fixed_seed_gives_the_same_courses_as_before():
    courses = _courses()

    counts = (
        len(courses),
        sum(len(c.checkins) for c in courses),
        sum(len(c.sessions) for c in courses),
    )
    assert counts == EXPECTED_COUNTS
    assert _digest(courses) == EXPECTED_DIGEST
