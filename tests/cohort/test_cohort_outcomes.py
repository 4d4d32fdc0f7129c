"""The cohort's questionnaires follow each patient's course (scripts/cohort/outcomes.py)."""

from __future__ import annotations

import datetime as dt
from statistics import mean

import pytest
import time_machine

from apps.outcomes.models import QuestionnaireResponse, Score
from scripts.cohort.course import CohortOptions, simulate_patient
from scripts.cohort.generate import generate_cohort
from scripts.cohort.outcomes import course_answers

TODAY = dt.date(2026, 6, 15)
OPTIONS = CohortOptions(seed=11, today=TODAY)


@pytest.fixture(scope="module")
def courses():
    return [simulate_patient(i, OPTIONS, library_size=12) for i in range(120)]


def test_psfs_is_worse_near_the_peak_than_after_recovery(courses):
    near_peak, late = [], []
    for course in courses:
        peak = course.symptom_onset_date + dt.timedelta(days=course.peak_day)
        for code, day, values in course_answers(course):
            if code != "psfs":
                continue
            rating = mean(values[f"rating_{n}"] for n in range(1, 4))
            if abs((day - peak).days) <= 14:
                near_peak.append(rating)
            elif course.resolved_on and day >= course.resolved_on:
                late.append(rating)
    assert near_peak
    assert late
    assert mean(near_peak) + 2 < mean(late)


def test_some_occasions_are_missed_and_pgic_never_at_baseline(courses):
    answered = [a for course in courses for a in course_answers(course)]
    assert any(code == "pgic" for code, _day, _values in answered)
    for course in courses:
        days = {day for code, day, _ in course_answers(course) if code == "pgic"}
        assert course.enrolled_on not in days
    per_course = [len([a for a in course_answers(c) if a[0] == "psfs"]) for c in courses]
    assert min(per_course) < max(per_course)


@pytest.mark.django_db
def test_generated_responses_are_stored_and_scored():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        generate_cohort(
            patients=20, seed=3, clinic_name="Outcome clinic", today=TODAY, progress=False
        )
    assert QuestionnaireResponse.objects.filter(instrument__code="psfs").count() > 20
    values = Score.objects.filter(definition__code="psfs_mean").values_list("value", flat=True)
    assert all(v is not None and 0 <= v <= 10 for v in values)
