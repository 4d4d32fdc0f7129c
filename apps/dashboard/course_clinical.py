"""The clinical course on the course per date (apps.dashboard.course_by_date): assessments,
treatments in force and imaging of each local date.

The episodes query says which of the three kinds (and flags) each episode has in the range
(``records_in_range``: one EXISTS per kind); then one query per episode and kind it has
(apps.assessments.selectors, apps.treatments.selectors), whatever the number of records, and
none for a kind it has not."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Model
from django.db.models.expressions import RawSQL

from apps.assessments.models import Assessment
from apps.assessments.selectors import assessments_in_range
from apps.episodes.models import Episode
from apps.flags.models import Flag
from apps.treatments.models import ImagingStudy, Treatment
from apps.treatments.selectors import imaging_by_date, treatments_in_force_by_date


@dataclass(frozen=True)
class ClinicalCourse:
    """Local date -> the assessments measured, treatments in force and imaging studies."""

    assessments: dict[dt.date, list[Any]] = field(default_factory=dict)
    treatments_in_force: dict[dt.date, list[Any]] = field(default_factory=dict)
    imaging: dict[dt.date, list[Any]] = field(default_factory=dict)


def _exists(model: type[Model], condition: str, values: Sequence[dt.date]) -> RawSQL:
    """``EXISTS`` a row of ``model`` of the outer query's episode meeting ``condition`` (SQL
    over the model's columns, ``%s`` for each of ``values``). Written as SQL text because the
    ORM's correlated subqueries cost the timeline more to build and compile than their
    statements cost to run; only quoted names from the models are interpolated, and every
    value is a parameter, adapted as the ORM adapts a date."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = {
        field.name: f"{table}.{quote(str(field.column))}" for field in model._meta.concrete_fields
    }
    outer = f"{quote(Episode._meta.db_table)}.{quote(str(Episode._meta.pk.column))}"
    return RawSQL(  # noqa: S611 - names from the models, values as parameters
        f"EXISTS (SELECT 1 FROM {table} WHERE {columns['episode']} = {outer} "  # noqa: S608
        f"AND {condition.format(**columns)})",
        [connection.ops.adapt_datefield_value(value) for value in values],
        output_field=BooleanField(),
    )


def records_in_range(*, date_from: dt.date, date_to: dt.date) -> dict[str, RawSQL]:
    """Annotations of an episodes query: whether the episode has flags opened, assessments,
    treatments in force and imaging on a date of the range (``has_flags`` for
    apps.dashboard.course_by_date, the others for ``clinical_course``)."""
    dates = (date_from, date_to)
    return {
        "has_flags": _exists(Flag, "{opened_for_date} BETWEEN %s AND %s", dates),
        "has_assessments": _exists(Assessment, "{date} BETWEEN %s AND %s", dates),
        "has_treatments": _exists(
            Treatment,
            "{starts_on} <= %s AND ({ends_on} IS NULL OR {ends_on} >= %s)",
            (date_to, date_from),
        ),
        "has_imaging": _exists(ImagingStudy, "{date} BETWEEN %s AND %s", dates),
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
