"""Small database expressions the dashboard's summaries are built from.

They keep every summary column in SQL, so the cohort can be sorted, filtered and paginated by
the database whatever its size (see ``selectors.patient_summaries``). Only SQLite (embedded
default) and PostgreSQL (production) are supported, like the rest of the project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db.models import Case, DateField, Value, When
from django.db.models.expressions import Expression

from apps.core.expressions import DaysBetween

__all__ = ["DaysBetween", "date_by_timezone", "distinct_names"]


def date_by_timezone(
    dates: Mapping[str, dt.date], *, field: str = "timezone"
) -> Expression | Value:
    """A per-row date chosen by the row's time-zone name: each patient's own local date.

    ``dates`` maps every time-zone name that occurs to its date; one ``WHEN`` per zone, and a
    cohort has few zones. Rows with a zone not in the mapping get NULL."""
    if len(set(dates.values())) <= 1:
        # Usually every zone present is on the same date: a constant is simpler SQL.
        return Value(next(iter(dates.values()), None), output_field=DateField())
    whens = [When(**{field: name}, then=Value(day)) for name, day in sorted(dates.items())]
    return Case(*whens, default=Value(None), output_field=DateField())


def distinct_names(values: Iterable[str]) -> list[str]:
    return sorted({value for value in values if value})
