"""Small database expressions the dashboard's summaries are built from.

They keep every summary column in SQL, so the cohort can be sorted, filtered and paginated by
the database whatever its size (see ``selectors.patient_summaries``). Only SQLite (embedded
default) and PostgreSQL (production) are supported, like the rest of the project.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db.models import Case, DateField, Func, IntegerField, Value, When
from django.db.models.expressions import Expression


class DaysBetween(Func):
    """Whole days from the date ``start`` to the date ``end`` (``end - start``)."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, start, end, **extra) -> None:
        # Compiled as end first, so one "minus" joiner serves both back ends.
        super().__init__(end, start, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        # PostgreSQL: date - date is an integer number of days.
        return super().as_sql(
            compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


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


#: Severities from most to least pressing (CLINICAL_RULES.md: Severity).
_SEVERITY_ORDER: tuple[str, ...] = ("emergency", "urgent", "soon", "routine", "info")


def severity_rank(field: str = "severity") -> Case:
    """0 for emergency … 4 for info: flags sort most pressing first by it."""
    return Case(
        *[When(**{field: name}, then=Value(index)) for index, name in enumerate(_SEVERITY_ORDER)],
        default=Value(len(_SEVERITY_ORDER)),
        output_field=IntegerField(),
    )
