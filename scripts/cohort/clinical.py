"""The clinical course of generated patients (issue 16): assessments at clinic visits every 4-6
weeks, protected weight bearing early on (toe-touch, then partial, ended as data: no source
gives a standard length), a zoledronic acid dose for about a quarter of the patients, given
just after their modelled pain peak so the pain course eases after it (Agarwala 2019:
pain-free at a mean 2.8 weeks after one dose), and MRI at diagnosis and at follow-up (about
3 months later; oedema milder). Deterministic per seed and index. Written with `bulk_create`
after the daily record (`write_clinical_course`)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from scripts.cohort.model import PatientCourse

VISIT_EVERY_DAYS = (28, 42)
BISPHOSPHONATE_SHARE = 0.25
FOLLOW_UP_MRI_DAYS = (80, 110)
OTHER = {"left": "right", "right": "left", "both": "left"}


def _pain_near(course: PatientCourse, day: dt.date) -> int:
    """The patient's worst pain on the nearest check-in on or before ``day`` (5 if none)."""
    best = None
    for row in course.checkins:
        if row[2] <= day and (best is None or row[2] > best[2]):
            best = row
    return int(best[4]) if best is not None else 5


def _end(course: PatientCourse, today: dt.date) -> dt.date:
    return min(today, course.resolved_on or today)


def _assessments(course: PatientCourse, rng: random.Random, today: dt.date) -> list[dict]:
    rows = []
    day = course.diagnosis_date or course.enrolled_on
    affected = course.affected_side if course.affected_side != "both" else "left"
    while day <= _end(course, today):
        pain = _pain_near(course, day)
        values = [
            ("timed_up_and_go", "", "", Decimal(f"{8 + 0.6 * pain + rng.uniform(-0.5, 0.5):.2f}")),
            ("chair_stand_30s", "", "", Decimal(max(2, round(16 - pain + rng.uniform(-1, 1))))),
            ("gait_speed", "", "", Decimal(f"{1.3 - 0.06 * pain + rng.uniform(-0.05, 0.05):.2f}")),
            ("hip_rom", affected, "internal_rotation", Decimal(round(38 - 2.2 * pain))),
            ("hip_rom", OTHER[affected], "internal_rotation", Decimal(round(rng.uniform(35, 42)))),
        ]
        for test, side, movement, value in values:
            rows.append(
                {
                    "date": day,
                    "test": test,
                    "side": side,
                    "movement": movement,
                    "value": value,
                    "method": "goniometer" if test == "hip_rom" else "",
                }
            )
        day += dt.timedelta(days=rng.randint(*VISIT_EVERY_DAYS))
    return rows


def _treatments(course: PatientCourse, rng: random.Random, today: dt.date) -> list[dict]:
    start = course.diagnosis_date or course.enrolled_on
    if start > today:
        return []
    toe_touch_end = start + dt.timedelta(days=rng.randint(14, 42))
    partial_end = toe_touch_end + dt.timedelta(days=rng.randint(14, 28))
    rows = [
        {
            "kind": "protected_weight_bearing",
            "starts_on": start,
            "ends_on": toe_touch_end,
            "detail": {"level": "toe_touch", "aid": "crutches"},
        }
    ]
    if toe_touch_end < today:
        rows.append(
            {
                "kind": "protected_weight_bearing",
                "starts_on": toe_touch_end + dt.timedelta(days=1),
                "ends_on": partial_end if partial_end < today else None,
                "detail": {"level": "partial", "aid": "cane"},
            }
        )
    # A little after the modelled peak (the plateau), when the course turns: the pain eases
    # after the dose, as it did after one dose in Agarwala 2019.
    settle = max(course.resolution_day - course.peak_day, 0)
    dose_day = course.symptom_onset_date + dt.timedelta(days=course.peak_day + settle // 4)
    if rng.random() < BISPHOSPHONATE_SHARE and start <= dose_day <= today:
        rows.append(
            {
                "kind": "bisphosphonate",
                "starts_on": dose_day,
                "ends_on": dose_day,
                "detail": {"drug": "zoledronic_acid", "dose": "5 mg", "route": "iv"},
            }
        )
    return rows


def _imaging(course: PatientCourse, rng: random.Random, today: dt.date) -> list[dict]:
    first = course.diagnosis_date or course.enrolled_on
    side = course.affected_side
    rows = []
    if first <= today:
        rows.append(
            {
                "date": first,
                "side": side,
                "bone_marrow_edema": rng.choice(["moderate", "severe"]),
                "report": f"Bone marrow oedema of the {side} femoral head and neck.",
            }
        )
    follow_up = first + dt.timedelta(days=rng.randint(*FOLLOW_UP_MRI_DAYS))
    if follow_up <= today:
        rows.append(
            {
                "date": follow_up,
                "side": side,
                "bone_marrow_edema": rng.choice(["none", "mild"]),
                "report": "Oedema largely resolved.",
            }
        )
    return rows


def write_clinical_course(
    courses: Sequence[PatientCourse], *, today: dt.date, prescribers: dict[Any, Any] | None = None
) -> int:
    """Write the clinical course of ``courses`` (their episodes exist); the rows written."""
    from apps.assessments.models import Assessment
    from apps.treatments.models import ImagingStudy, Treatment

    assessments, treatments, imaging = [], [], []
    for course in courses:
        # Values only (never ids): deterministic per seed and index, whatever the clinic.
        rng = random.Random(
            f"clinical-{course.index}-{course.symptom_onset_date}-{course.peak_day}"
        )
        ids = {"patient_id": course.patient_id, "episode_id": course.episode_id}
        for row in _assessments(course, rng, today):
            assessments.append(
                Assessment(client_id=uuid.UUID(int=rng.getrandbits(128)), **ids, **row)
            )
        for row in _treatments(course, rng, today):
            treatments.append(
                Treatment(client_id=uuid.UUID(int=rng.getrandbits(128)), **ids, **row)
            )
        for row in _imaging(course, rng, today):
            imaging.append(
                ImagingStudy(
                    client_id=uuid.UUID(int=rng.getrandbits(128)), modality="mri", **ids, **row
                )
            )
    Assessment.objects.bulk_create(assessments, batch_size=1000)
    Treatment.objects.bulk_create(treatments, batch_size=1000)
    ImagingStudy.objects.bulk_create(imaging, batch_size=1000)
    return len(assessments) + len(treatments) + len(imaging)
