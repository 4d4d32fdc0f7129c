"""The clinical course on the course per date (apps.dashboard.course_by_date): assessments,
treatments in force and imaging of each local date.

The episodes query says which of the three kinds each episode has in the range
(``records_in_range``: one EXISTS per kind); then one query per episode and kind it has
(apps.assessments.selectors, apps.treatments.selectors), whatever the number of records, and
none for a kind it has not."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q

from apps.assessments.models import Assessment
from apps.assessments.selectors import assessments_in_range
from apps.episodes.models import Episode
from apps.treatments.models import ImagingStudy, Treatment
from apps.treatments.selectors import imaging_by_date, treatments_in_force_by_date


@dataclass(frozen=True)
class ClinicalCourse:
    """Local date -> the assessments measured, treatments in force and imaging studies."""

    assessments: dict[dt.date, list[Any]] = field(default_factory=dict)
    treatments_in_force: dict[dt.date, list[Any]] = field(default_factory=dict)
    imaging: dict[dt.date, list[Any]] = field(default_factory=dict)


def records_in_range(*, date_from: dt.date, date_to: dt.date) -> dict[str, Exists]:
    """Annotations of an episodes query: whether the episode has assessments, treatments in
    force and imaging on a date of the range (``clinical_course`` reads them)."""
    episode = OuterRef("pk")
    return {
        "has_assessments": Exists(
            Assessment.objects.filter(episode=episode, date__range=(date_from, date_to))
        ),
        "has_treatments": Exists(
            Treatment.objects.filter(
                Q(ends_on__isnull=True) | Q(ends_on__gte=date_from),
                episode=episode,
                starts_on__lte=date_to,
            )
        ),
        "has_imaging": Exists(
            ImagingStudy.objects.filter(episode=episode, date__range=(date_from, date_to))
        ),
    }


def clinical_course(
    episodes: Sequence[Episode], *, date_from: dt.date, date_to: dt.date
) -> ClinicalCourse:
    """The clinical course of ``episodes`` on the dates of the range, episode by episode. An
    episode without the annotations of ``records_in_range`` is read for every kind."""
    course = ClinicalCourse(defaultdict(list), defaultdict(list), defaultdict(list))
    for episode in episodes:
        for wanted, source, read in (
            ("has_assessments", course.assessments, assessments_in_range),
            ("has_treatments", course.treatments_in_force, treatments_in_force_by_date),
            ("has_imaging", course.imaging, imaging_by_date),
        ):
            if not getattr(episode, wanted, True):
                continue
            found: dict[dt.date, list[Any]] = read(
                episode=episode, date_from=date_from, date_to=date_to
            )
            for date, rows in found.items():
                source[date].extend(rows)
    return course
