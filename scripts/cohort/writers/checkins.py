"""Writes each simulated patient's daily check-ins."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from scripts.cohort.bulk import copy_or_bulk
from scripts.cohort.model import CHECKIN_FIELDS, PatientCourse
from scripts.cohort.writers.context import WriteContext


def write_checkins(courses: Sequence[PatientCourse], context: WriteContext) -> int:
    from apps.checkins.models import CheckIn

    def rows() -> Iterator[tuple]:
        for course in courses:
            for row in course.checkins:
                yield (course.patient_id, course.episode_id, *row)

    return copy_or_bulk(
        CheckIn,
        ["patient", "episode", *CHECKIN_FIELDS],
        rows(),
        {"notes": "", "received_at": context.now, "updated_at": context.now},
    )
