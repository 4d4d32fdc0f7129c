"""The generator's shape on a small seed: proportions in plausible bands, not exact numbers."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from apps.accounts.models import Patient
from apps.checkins.models import CheckIn
from apps.episodes.models import Episode
from apps.exercises.models import ExerciseSession
from apps.flags.models import Flag
from scripts.cohort.course import CohortOptions, simulate_patient
from scripts.cohort.generate import generate_cohort

TODAY = dt.date(2026, 6, 15)
OPTIONS = CohortOptions(seed=11, today=TODAY)
LIBRARY_SIZE = 12


@pytest.fixture(scope="module")
def courses():
    return [simulate_patient(i, OPTIONS, library_size=LIBRARY_SIZE) for i in range(400)]


def test_same_seed_and_index_give_the_same_patient():
    first = simulate_patient(5, OPTIONS, library_size=LIBRARY_SIZE)
    again = simulate_patient(5, OPTIONS, library_size=LIBRARY_SIZE)

    assert first.checkins == again.checkins
    assert first.sessions == again.sessions
    assert (first.symptom_onset_date, first.affected_side) == (
        again.symptom_onset_date,
        again.affected_side,
    )


def test_another_seed_gives_another_patient():
    first = simulate_patient(5, OPTIONS, library_size=LIBRARY_SIZE)
    other = simulate_patient(5, CohortOptions(seed=12, today=TODAY), library_size=LIBRARY_SIZE)

    assert [row[2:] for row in first.checkins] != [row[2:] for row in other.checkins]


def test_both_hips_are_involved_in_some_but_at_most_thirty_percent(courses):
    both = sum(c.affected_side == "both" or c.migrated_to_other_hip for c in courses)

    assert 0.08 <= both / len(courses) <= 0.30


def test_most_courses_resolve_between_six_and_twelve_months_and_a_few_run_longer(courses):
    within = sum(180 <= c.resolution_day <= 365 for c in courses)
    longer = sum(c.resolution_day > 365 for c in courses)

    assert within / len(courses) >= 0.8
    assert 0 < longer / len(courses) <= 0.2
    assert all(c.resolution_day >= 150 for c in courses)


def test_men_aged_30_to_60_outnumber_women_of_those_ages(courses):
    men = sum(c.sex == "male" and 30 <= c.age_at_onset <= 60 for c in courses)
    women = sum(c.sex == "female" and 30 <= c.age_at_onset <= 60 for c in courses)

    assert men > 1.3 * women


def test_pregnancy_associated_episodes_are_women_of_childbearing_age(courses):
    pregnant = [c for c in courses if c.pregnancy_associated]

    assert pregnant
    assert all(c.sex == "female" and 20 <= c.age_at_onset <= 45 for c in pregnant)


def test_onsets_spread_over_the_last_eighteen_months(courses):
    days_ago = [(TODAY - c.symptom_onset_date).days for c in courses]

    assert min(days_ago) < 60
    assert max(days_ago) > 480
    assert max(days_ago) <= 18 * 31


def test_pain_builds_to_a_peak_and_then_eases(courses):
    rising = 0
    eligible = 0
    for course in courses:
        rows = {row[2]: row[3] for row in course.checkins}
        onset = course.symptom_onset_date
        near_peak = [
            rows[onset + dt.timedelta(days=d)]
            for d in range(course.peak_day - 7, course.peak_day + 7)
            if onset + dt.timedelta(days=d) in rows
        ]
        late = [
            rows[onset + dt.timedelta(days=d)]
            for d in range(course.resolution_day, course.resolution_day + 14)
            if onset + dt.timedelta(days=d) in rows
        ]
        if len(near_peak) >= 5 and len(late) >= 5 and not course.events:
            eligible += 1
            rising += sum(near_peak) / len(near_peak) > sum(late) / len(late) + 2
    assert eligible >= 20
    assert rising / eligible >= 0.9


def test_weight_bearing_pain_is_never_below_resting_pain(courses):
    rows = [row for course in courses for row in course.checkins if row[5] is not None]

    assert all(row[5] >= row[3] for row in rows)
    assert sum(row[5] > row[3] for row in rows) / len(rows) > 0.8


def test_some_days_are_missed_and_some_plans_fade(courses):
    recorded = sum(len(c.checkins) for c in courses)
    days = sum(
        (min(c.checkins[-1][2], TODAY) - c.checkins[0][2]).days + 1 for c in courses if c.checkins
    )
    profiles = Counter(c.adherence_profile for c in courses)

    assert 0.6 < recorded / days < 0.97
    assert profiles["steady"]
    assert profiles["fading"]
    assert profiles["low"]


@pytest.mark.django_db
def test_a_generated_clinic_carries_flags_of_several_severities():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        result = generate_cohort(
            patients=60, seed=3, clinic_name="Shape clinic", today=TODAY, progress=False
        )

    assert result.patients == 60
    assert Patient.objects.filter(care_team__clinic_id=result.clinic_id).count() == 60
    assert CheckIn.objects.count() == result.checkins > 60 * 50
    assert ExerciseSession.objects.count() == result.sessions > 0
    statuses = Counter(Episode.objects.values_list("status", flat=True))
    assert statuses["active"] > 0
    assert statuses["resolved"] > 0
    severities = set(Flag.objects.filter(status="open").values_list("severity", flat=True))
    assert {"routine", "soon"} <= severities
    assert severities & {"urgent", "emergency"}


@pytest.mark.django_db
def test_every_generated_patient_has_the_consent_in_force_on_file():
    from apps.consent.models import ConsentAcceptance, ConsentDocument
    from apps.consent.selectors import consent_withdrawn, has_active_consent

    ConsentDocument.objects.all().delete()
    document = ConsentDocument.objects.create(
        version=1, title="t", text="x", published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    )
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        result = generate_cohort(
            patients=12, seed=5, clinic_name="Consent clinic", today=TODAY, progress=False
        )

    patients = list(Patient.objects.filter(care_team__clinic_id=result.clinic_id))
    assert len(patients) == 12
    assert all(has_active_consent(p) and not consent_withdrawn(p) for p in patients)
    for acceptance in ConsentAcceptance.objects.filter(patient__in=patients):
        assert acceptance.document_id == document.pk
        assert acceptance.accepted_at >= acceptance.patient.activated_at


@pytest.mark.django_db
def test_generating_again_adds_new_patients_instead_of_colliding():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        generate_cohort(
            patients=5, seed=3, clinic_name="Twice", today=TODAY, progress=False, run_flags=False
        )
        generate_cohort(
            patients=5, seed=3, clinic_name="Twice", today=TODAY, progress=False, run_flags=False
        )

    assert Patient.objects.filter(care_team__clinic__name="Twice").count() == 10


def test_the_demo_cohort_has_patients_at_every_stage_of_the_course():
    """`make run` loads DEMO_COHORT_PATIENTS with DEMO_COHORT_SEED: the dashboard should show
    pain still building, at its peak, easing, settled, and episodes already resolved."""
    from apps.devtools.management.commands.load_demo import DEMO_COHORT_PATIENTS, DEMO_COHORT_SEED

    options = CohortOptions(seed=DEMO_COHORT_SEED, today=TODAY)
    stages = Counter()
    for index in range(DEMO_COHORT_PATIENTS):
        course = simulate_patient(index, options, library_size=LIBRARY_SIZE)
        day = (TODAY - course.symptom_onset_date).days
        if course.status == "resolved":
            stages["resolved"] += 1
        elif day < course.peak_day:
            stages["building"] += 1
        elif day < course.peak_day + (course.resolution_day - course.peak_day) // 2:
            stages["peak"] += 1
        elif day < course.resolution_day:
            stages["easing"] += 1
        else:
            stages["settled"] += 1

    assert {"building", "peak", "easing", "settled", "resolved"} <= set(stages)


@pytest.mark.django_db
def test_the_command_generates_the_requested_patients(capsys):
    from django.core.management import call_command

    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        call_command(
            "generate_cohort",
            "--patients=4",
            "--seed=5",
            "--clinic=Command clinic",
            "--today=2026-06-15",
            "--no-flags",
            "--no-progress",
        )

    assert Patient.objects.filter(care_team__clinic__name="Command clinic").count() == 4
    assert "Cohort: 4 patients" in capsys.readouterr().out
