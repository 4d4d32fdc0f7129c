"""The timeline's lean reads (apps.dashboard.course_reads, course_clinical, course_by_date)
answer what the per-episode selectors answer, rendered: two episodes overlapping the range
(one resolved in it), a plan replaced before it began, a plan ending in the range, an open
plan ended by the resolution, sessions of both episodes on one date, a session of an item no
longer in force, flags, assessments with predecessors before the range and records only
outside it. And each kind of clinical record is read only when the range has one."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.assessments.selectors import assessment_points_by_episode, assessments_in_range
from apps.checkins.selectors import checkins_in_range
from apps.dashboard.api.serializers import TimelineSerializer
from apps.dashboard.api.timeline_rendering import timeline_body
from apps.dashboard.course_by_date import CourseDay, episodes_overlapping, patient_course_by_date
from apps.episodes.models import EpisodeStatus
from apps.exercises.selectors import prescribed_by_date, sessions_done_by_date
from apps.flags.models import Flag
from apps.flags.selectors import flags_opened_by_date
from apps.treatments.selectors import imaging_by_date, treatments_in_force_by_date
from tests.checkins.factories import CheckInFactory
from tests.course.conftest import TODAY
from tests.course.factories import AssessmentFactory, ImagingStudyFactory, TreatmentFactory
from tests.episodes.factories import EpisodeFactory
from tests.exercises.factories import (
    ExercisePlanFactory,
    ExerciseSessionFactory,
    PlanItemFactory,
)

pytestmark = pytest.mark.django_db

FROM, TO = TODAY - dt.timedelta(days=20), TODAY
RESOLVED = TODAY - dt.timedelta(days=8)


def days_ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


def flag(episode, day: dt.date, rule: str) -> Flag:
    return Flag.objects.create(
        episode=episode,
        patient=episode.patient,
        rule=rule,
        rule_version=1,
        severity="routine",
        opened_at=timezone.now(),
        opened_for_date=day,
        last_seen_at=timezone.now(),
        last_held_on=day,
        patient_message="-",
        clinician_summary="-",
    )


def session(item, day: dt.date, hour: int):
    recorded = dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)
    return ExerciseSessionFactory(plan_item=item, date=day, recorded_at=recorded)


@pytest.fixture
def two_episodes(patient):
    """An episode resolved 8 days ago and the one that followed, 12 days ago (they overlap on
    five dates), with every kind of record in and around the range."""
    earlier = EpisodeFactory(
        patient=patient,
        symptom_onset_date=days_ago(200),
        status=EpisodeStatus.RESOLVED,
        resolved_on=RESOLVED,
    )
    later = EpisodeFactory(patient=patient, symptom_onset_date=days_ago(12))
    # The earlier episode: an open plan (ended by the resolution) and a plan that ended
    # before the range, whose item still has a session in it.
    old_plan = ExercisePlanFactory(episode=earlier, starts_on=days_ago(100), ends_on=days_ago(40))
    gone = PlanItemFactory(plan=old_plan)
    open_plan = ExercisePlanFactory(episode=earlier, starts_on=days_ago(39))
    kept = [
        PlanItemFactory(plan=open_plan, position=2),
        PlanItemFactory(plan=open_plan, position=1),
    ]
    # The later episode: a plan ending in the range, its successor, and one replaced before
    # it began (never in force).
    first = ExercisePlanFactory(episode=later, starts_on=days_ago(12), ends_on=days_ago(4))
    never = ExercisePlanFactory(
        episode=later, starts_on=days_ago(6), ends_on=None, effective_ends_on=days_ago(7)
    )
    PlanItemFactory(plan=never)
    second = ExercisePlanFactory(episode=later, starts_on=days_ago(3))
    new_items = [
        PlanItemFactory(plan=first, reps=None, hold_seconds=30),
        PlanItemFactory(plan=second),
    ]
    for day in (days_ago(10), days_ago(9), days_ago(8)):
        session(kept[0], day, 19)
        session(new_items[0], day, 7)  # earlier in the day, but of the later episode
        session(kept[1], day, 8)
    session(gone, days_ago(15), 12)
    session(new_items[1], days_ago(1), 9)
    session(new_items[1], days_ago(25), 9)  # before the range
    for episode, day, rule in ((earlier, days_ago(9), "a_rule"), (later, days_ago(9), "b_rule")):
        flag(episode, day, rule)
    flag(later, days_ago(30), "old_rule")
    for episode in (earlier, later):
        for day, value in ((days_ago(40), "20.0"), (days_ago(10), "18.5"), (days_ago(9), "17.0")):
            if day >= episode.symptom_onset_date:
                AssessmentFactory(episode=episode, date=day, value=Decimal(value))
        AssessmentFactory(episode=episode, date=days_ago(9), test="hip_rom", side="left",
                          movement="flexion", value=Decimal(90))  # fmt: skip
        TreatmentFactory(episode=episode, kind="nsaid", detail={}, starts_on=days_ago(11))
        TreatmentFactory(episode=episode, kind="other", detail={}, starts_on=days_ago(60),
                         ends_on=days_ago(30))  # fmt: skip
        ImagingStudyFactory(episode=episode, date=days_ago(9))
    for n in range(21):
        CheckInFactory(episode=later if n < 12 else earlier, date=days_ago(n))
    # On day 9, in the order of the per-episode reads: the earlier episode's sessions by
    # recording time, then the later episode's.
    return [item.exercise.name for item in (kept[1], kept[0], new_items[0])]


def reference_days(patient) -> list[CourseDay]:
    """The course as the per-episode selectors read it, episode by episode (the timeline's
    reads before the lean ones)."""
    episodes = episodes_overlapping(patient=patient, date_from=FROM, date_to=TO)
    checkins = {
        c.date: c for c in checkins_in_range(patient_id=patient.id, date_from=FROM, date_to=TO)
    }
    parts: dict[str, dict[dt.date, list]] = defaultdict(lambda: defaultdict(list))
    for episode in episodes:
        span = {"episode": episode, "date_from": FROM, "date_to": TO}
        for name, found in (
            ("sessions_done", sessions_done_by_date(**span)),
            ("sessions_prescribed", prescribed_by_date(**span)),
            ("flags_opened", flags_opened_by_date(**span)),
            ("treatments_in_force", treatments_in_force_by_date(**span)),
            ("imaging", imaging_by_date(**span)),
        ):
            for day, rows in found.items():
                parts[name][day].extend(rows)
        for point in assessment_points_by_episode([episode.pk]).get(episode.pk, []):
            if FROM <= point.date <= TO:
                parts["assessments"][point.date].append(point)
    dates = [FROM + dt.timedelta(days=n) for n in range((TO - FROM).days + 1)]
    return [
        CourseDay(
            date=day,
            checkin=checkins.get(day),
            **{name: parts[name].get(day, []) for name in parts},
        )
        for day in dates
    ]


def test_the_lean_reads_render_what_the_per_episode_selectors_render(patient, two_episodes):
    course = patient_course_by_date(patient=patient, date_from=FROM, date_to=TO)
    expected = TimelineSerializer(
        {
            "patient": patient.id,
            "date_from": FROM,
            "date_to": TO,
            "entries": reference_days(patient),
        }
    ).data

    rendered = timeline_body(patient_id=patient.id, date_from=FROM, date_to=TO, days=course.days)

    assert rendered == expected
    entries = {entry["date"]: entry for entry in rendered["entries"]}
    nine = entries[days_ago(9).isoformat()]
    # Both episodes on one date: the earlier episode's records first, each in its own order.
    assert [s["exercise"] for s in nine["sessions_done"]] == two_episodes
    assert [f["rule"] for f in nine["flags_opened"]] == ["a_rule", "b_rule"]
    assert len(nine["sessions_prescribed"]) == 3
    assert len(nine["imaging"]) == 2
    assert len(entries[days_ago(15).isoformat()]["sessions_done"]) == 1  # its item ended
    assert (
        entries[days_ago(2).isoformat()]["sessions_prescribed"]
        == entries[days_ago(1).isoformat()]["sessions_prescribed"]
    )
    # The predecessor of the range's first TUG of the earlier episode is before the range.
    ten = entries[days_ago(10).isoformat()]
    assert sorted((a["value"], a["previous_value"] or 0) for a in ten["assessments"]) == [
        (18.5, 0),
        (18.5, 20.0),
    ]
    assert sorted((a["value"], a["previous_value"] or 0) for a in nine["assessments"]) == [
        (17.0, 18.5),
        (17.0, 18.5),
        (90.0, 0),
        (90.0, 0),
    ]


def test_assessments_in_range_have_the_predecessors_of_the_whole_episode(episode):
    for day, value in ((days_ago(30), "14.0"), (days_ago(6), "12.0"), (days_ago(5), "11.0")):
        AssessmentFactory(episode=episode, date=day, value=Decimal(value))
    AssessmentFactory(episode=episode, date=days_ago(4), test="hip_rom", side="left",
                      movement="flexion", value=Decimal(95))  # fmt: skip
    AssessmentFactory(episode=episode, date=days_ago(1), value=Decimal("10.0"))  # after `to`

    found = assessments_in_range(episode=episode, date_from=days_ago(10), date_to=days_ago(2))
    everything = assessment_points_by_episode([episode.pk])[episode.pk]

    assert found == {
        day: [p for p in everything if p.date == day] for day in map(days_ago, (6, 5, 4))
    }
    assert [(p.value, p.previous_value, p.previous_date) for p in everything[1:4]] == [
        (Decimal("12.0"), Decimal("14.0"), days_ago(30)),
        (Decimal("11.0"), Decimal("12.0"), days_ago(6)),
        (Decimal(95), None, None),
    ]


def _queries(patient) -> int:
    with CaptureQueriesContext(connection) as queries:
        patient_course_by_date(patient=patient, date_from=FROM, date_to=TO)
    return len(queries.captured_queries)


def test_a_kind_without_records_in_the_range_is_not_read(patient, episode):
    CheckInFactory(episode=episode, date=TODAY)
    # check-ins, episodes (with what they have in the range), plan items, sessions
    assert _queries(patient) == 4
    # Records only outside the range read nothing more.
    AssessmentFactory(episode=episode, date=days_ago(30))
    TreatmentFactory(episode=episode, starts_on=days_ago(40), ends_on=days_ago(21))
    ImagingStudyFactory(episode=episode, date=days_ago(25))
    flag(episode, days_ago(21), "old_rule")
    assert _queries(patient) == 4
    # One more for each kind the range has, whatever the number of its records.
    for n in range(3):
        AssessmentFactory(episode=episode, date=days_ago(n))
    assert _queries(patient) == 5
    TreatmentFactory(episode=episode, starts_on=days_ago(25), ends_on=FROM)
    assert _queries(patient) == 6
    ImagingStudyFactory(episode=episode, date=TO)
    flag(episode, FROM, "a_rule")
    flag(episode, TO, "b_rule")
    assert _queries(patient) == 8


def test_a_patient_without_episodes_reads_two_statements(patient):
    assert _queries(patient) == 2
    course = patient_course_by_date(patient=patient, date_from=FROM, date_to=TO)
    assert len(course.days) == 21
    assert not any(day.sessions_prescribed or day.sessions_done for day in course.days)
