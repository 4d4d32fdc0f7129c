"""The timeline's answer is rendered without DRF's per-field walk
(apps.dashboard.api.timeline_rendering); it must equal the schema's serializer,
``TimelineSerializer``, value for value: on a full record (check-ins with and without the
optional values, sessions, a plan in force, a flag, assessments, treatments, imaging), and
with another time zone current (DRF renders date-times in the current zone)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from apps.dashboard.api.serializers import TimelineSerializer
from apps.dashboard.api.timeline_rendering import timeline_body
from apps.dashboard.course_by_date import patient_course_by_date
from apps.flags.models import Flag
from tests.checkins.factories import CheckInFactory
from tests.course.conftest import TODAY
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.exercises.factories import (
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db

DAYS = 21


def _full_record(episode) -> None:
    for n in range(DAYS):
        day = TODAY - dt.timedelta(days=n)
        if n % 5 == 4:
            continue  # a date without a check-in
        extra = {"steps": None, "notes": ""} if n % 2 else {"steps": 4000 + n, "notes": "ok"}
        CheckInFactory(episode=episode, date=day, pain_now=n % 11, **extra)
    plan = ExercisePlanFactory(episode=episode, starts_on=TODAY - dt.timedelta(days=DAYS))
    items = [PlanItemFactory(plan=plan), PlanItemFactory(plan=plan, reps=None, hold_seconds=30)]
    for n in range(0, DAYS, 2):
        for item in items:
            ExerciseSessionFactory(plan_item=item, date=TODAY - dt.timedelta(days=n))
    for n in range(0, DAYS, 7):
        day = TODAY - dt.timedelta(days=n)
        AssessmentFactory(episode=episode, date=day, value=10 + n)
        TreatmentFactory(episode=episode, kind="nsaid", detail={}, starts_on=day, ends_on=None)
        ImagingStudyFactory(episode=episode, date=day)
    Flag.objects.create(
        episode=episode,
        patient=episode.patient,
        rule="morning_stiffness",
        rule_version=1,
        severity="routine",
        opened_at=timezone.now(),
        opened_for_date=TODAY - dt.timedelta(days=1),
        last_seen_at=timezone.now(),
        last_held_on=TODAY - dt.timedelta(days=1),
        patient_message="Mention the stiffness at your next review.",
        clinician_summary="Stiffness > 30 min on 3 of 7 days.",
    )


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles"])
def test_the_rendered_timeline_equals_the_serializer(episode, patient, zone):
    _full_record(episode)
    date_from, date_to = TODAY - dt.timedelta(days=DAYS + 3), TODAY
    course = patient_course_by_date(patient=patient, date_from=date_from, date_to=date_to)
    with timezone.override(zone):
        expected = TimelineSerializer(
            {
                "patient": patient.id,
                "date_from": date_from,
                "date_to": date_to,
                "entries": course.days,
            }
        ).data
        rendered = timeline_body(
            patient_id=patient.id, date_from=date_from, date_to=date_to, days=course.days
        )

    assert rendered == expected
    # And byte for byte once rendered as JSON (the same keys in the same order).
    assert JSONRenderer().render(rendered) == JSONRenderer().render(expected)
    entries = json.loads(JSONRenderer().render(rendered))["entries"]
    assert sum(e["checkin"] is not None for e in entries) == DAYS - DAYS // 5
    assert all(e["sessions_prescribed"] for e in entries[3:])
    for name in ("sessions_done", "flags_opened", "assessments", "treatments_in_force", "imaging"):
        assert any(e[name] for e in entries), name
