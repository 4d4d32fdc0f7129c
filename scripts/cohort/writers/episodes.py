"""Writes each simulated patient's episode (the course's dates, status and diagnosis)."""

from __future__ import annotations

from collections.abc import Sequence

from scripts.cohort.model import PatientCourse
from scripts.cohort.writers.context import WriteContext


def write_episodes(courses: Sequence[PatientCourse], context: WriteContext) -> int:
    from apps.episodes.models import Episode

    episodes = [
        Episode(
            id=course.episode_id,
            patient_id=course.patient_id,
            affected_side=course.affected_side,
            symptom_onset_date=course.symptom_onset_date,
            diagnosis_date=course.diagnosis_date,
            diagnosis_method=course.diagnosis_method,
            pregnancy_associated=course.pregnancy_associated,
            home_treatment_started_on=course.home_treatment_started_on,
            status=course.status,
            resolved_on=course.resolved_on,
            created_by=context.prescriber(course),
        )
        for course in courses
    ]
    Episode.objects.bulk_create(episodes, batch_size=1000)
    # created_at is set on insert (auto_now_add): backdate it to the enrolment, as the
    # snapshot reads it as the day the record started. bulk_update writes values as given.
    for course, episode in zip(courses, episodes, strict=True):
        episode.created_at = context.local_noon(course.enrolled_on)
    Episode.objects.bulk_update(episodes, ["created_at"], batch_size=1000)
    return len(episodes)
