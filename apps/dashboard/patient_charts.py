"""The patient page's charts from the course read model (apps.dashboard.course_by_date).

Every chart carries the same marker and band layers (apps.dashboard.chart_layers): today the
flags (a marker where each was first met, a band while it held, human rule names); the record
apps' events (treatments, assessments, imaging, questionnaire scores) join through
``extra_markers`` and ``extra_bands``. Pure given the course: no query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypedDict

from apps.dashboard import charts
from apps.dashboard.chart_layers import STRIP_FIELDS, BandSpec, MarkerSpec
from apps.dashboard.course import Course, ExpectedCourse
from apps.episodes.models import Side
from apps.flags.rules import rule_title


def flag_layers(course: Course) -> tuple[list[MarkerSpec], list[BandSpec]]:
    """A marker per flag on the date it was first met; a band from then to its last held
    date, for flags that held on more than one date."""
    markers = [
        MarkerSpec(
            date=day.date,
            kind=f"flag-{flag.severity}",
            label=(
                f"{flag.get_severity_display()} flag: {rule_title(flag.rule)}, "
                f"first met {day.date.isoformat()}"
            ),
        )
        for day in course.days
        for flag in day.flags_opened
    ]
    bands = [
        BandSpec(
            start=flag.opened_for_date,
            end=flag.last_held_on,
            kind=f"flag-{flag.severity}",
            label=(
                f"{rule_title(flag.rule)} held from {flag.opened_for_date.isoformat()} "
                f"to {flag.last_held_on.isoformat()}"
            ),
        )
        for flag in course.flags
        if flag.last_held_on and flag.last_held_on > flag.opened_for_date
    ]
    return markers, bands


class _Layers(TypedDict):
    """What every chart of the patient page draws over its data."""

    flags: Sequence[dict[str, Any]]
    markers: Sequence[MarkerSpec]
    bands: Sequence[BandSpec]


def course_charts(
    course: Course,
    expected: ExpectedCourse,
    *,
    extra_markers: Sequence[MarkerSpec] = (),
    extra_bands: Sequence[BandSpec] = (),
) -> list[charts.Chart]:
    if course.episode is None or course.date_from is None or course.date_to is None:
        return []  # the dates are set whenever the episode is (apps/dashboard/course.py)
    scale = charts.TimeScale(course.date_from, course.date_to)
    flag_markers, flag_bands = flag_layers(course)
    layers: _Layers = {
        "flags": (),
        "markers": [*flag_markers, *extra_markers],
        "bands": [*flag_bands, *extra_bands],
    }
    by_date = {day.date: day.checkin for day in course.days if day.checkin is not None}
    per_side: dict[str, dict[dt.date, float]] | None = None
    if course.episode.affected_side == Side.BOTH:
        per_side = {
            side: {
                day: checkin.pain_now
                for day, checkin in by_date.items()
                if side in (checkin.painful_sides or [])
            }
            for side in (Side.LEFT, Side.RIGHT)
        }
    return [
        charts.pain_chart(
            scale,
            pain_now={day: checkin.pain_now for day, checkin in by_date.items()},
            pain_worst={day: checkin.pain_worst_24h for day, checkin in by_date.items()},
            expected=expected.weeks if expected.is_available else None,
            onset=course.episode.symptom_onset_date,
            per_side=per_side,
            **layers,
        ),
        charts.measure_chart(
            scale,
            slug="stiffness",
            title="Morning stiffness (minutes)",
            values={day: checkin.morning_stiffness_minutes for day, checkin in by_date.items()},
            unit=" min",
            minimum_top=30,
            **layers,
        ),
        charts.strip_chart(
            scale,
            checkins={
                day: {name: getattr(checkin, name) for name in STRIP_FIELDS}
                for day, checkin in by_date.items()
            },
            **layers,
        ),
        charts.adherence_chart(scale, weeks=course.adherence_weeks, **layers),
        charts.measure_chart(
            scale,
            slug="steps",
            title="Steps",
            values={
                day: checkin.steps for day, checkin in by_date.items() if checkin.steps is not None
            },
            minimum_top=1000,
            **layers,
        ),
    ]
