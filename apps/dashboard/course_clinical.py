"""The clinical course on the course per date (apps.dashboard.course_by_date): assessments,
treatments in force and imaging of each local date. Three queries per episode overlapping the
range, whatever the number of records (apps.assessments.selectors, apps.treatments.selectors)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from apps.assessments.selectors import assessments_in_range
from apps.episodes.models import Episode
from apps.treatments.selectors import imaging_by_date, treatments_in_force_by_date

if TYPE_CHECKING:
    from apps.dashboard.course_by_date import CourseDay


def with_clinical_course(
    days: Sequence[CourseDay], *, episodes: Sequence[Episode], date_from: dt.date, date_to: dt.date
) -> list[CourseDay]:
    """``days`` with their assessments, treatments in force and imaging filled in."""
    assessments: dict[dt.date, list[Any]] = defaultdict(list)
    in_force: dict[dt.date, list[Any]] = defaultdict(list)
    imaging: dict[dt.date, list[Any]] = defaultdict(list)
    for episode in episodes:
        for source, found in (
            (
                assessments,
                assessments_in_range(episode=episode, date_from=date_from, date_to=date_to),
            ),
            (
                in_force,
                treatments_in_force_by_date(episode=episode, date_from=date_from, date_to=date_to),
            ),
            (imaging, imaging_by_date(episode=episode, date_from=date_from, date_to=date_to)),
        ):
            for date, rows in found.items():
                source[date].extend(rows)
    return [
        replace(
            day,
            assessments=assessments.get(day.date, []),
            treatments_in_force=in_force.get(day.date, []),
            imaging=imaging.get(day.date, []),
        )
        for day in days
    ]
