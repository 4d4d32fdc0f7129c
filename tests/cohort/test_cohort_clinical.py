"""The generated clinical course: assessments every 4-6 weeks, protected weight bearing early,
zoledronic acid for a share with the pain easing after it, MRI at diagnosis and follow-up."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine

from apps.assessments.models import Assessment
from apps.checkins.models import CheckIn
from apps.treatments.effects import PainDay, treatment_effect
from apps.treatments.models import ImagingStudy, Treatment
from scripts.cohort.generate import generate_cohort

TODAY = dt.date(2026, 6, 15)


@pytest.mark.django_db
def test_the_cohort_carries_a_clinical_course():
    with time_machine.travel(dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC), tick=False):
        generate_cohort(
            patients=40, seed=7, clinic_name="Course clinic", today=TODAY, progress=False,
            run_flags=False,
        )  # fmt: skip

    tests = Counter(Assessment.objects.values_list("test", flat=True))
    assert {"timed_up_and_go", "chair_stand_30s", "gait_speed", "hip_rom"} <= set(tests)
    both_sides = set(
        Assessment.objects.filter(test="hip_rom").values_list("side", flat=True).distinct()
    )
    assert both_sides == {"left", "right"}
    for episode_id in Assessment.objects.values_list("episode_id", flat=True).distinct()[:10]:
        dates = sorted(
            set(Assessment.objects.filter(episode_id=episode_id).values_list("date", flat=True))
        )
        gaps = {(b - a).days for a, b in zip(dates, dates[1:], strict=False)}
        assert gaps <= set(range(28, 43))

    phases = Treatment.objects.filter(kind="protected_weight_bearing")
    assert {p.detail["level"] for p in phases} == {"toe_touch", "partial"}
    doses = list(Treatment.objects.filter(kind="bisphosphonate"))
    episodes = Treatment.objects.values("episode_id").distinct().count()
    assert 0 < len(doses) < episodes
    assert Counter(ImagingStudy.objects.values_list("bone_marrow_edema", flat=True))["severe"] > 0

    # The pain course responds after most doses (worst pain lower on days 15-28 than before).
    responded = 0
    measured = 0
    for dose in doses:
        rows = CheckIn.objects.filter(episode_id=dose.episode_id)
        pain = {c.date: PainDay(c.pain_now, c.pain_worst_24h) for c in rows}
        effect = treatment_effect(starts_on=dose.starts_on, today=TODAY, pain=pain)
        if effect.change is not None:
            measured += 1
            responded += effect.change < 0
    assert measured > 0
    assert responded >= measured * 0.6, (responded, measured)
