"""Database expressions that know no domain, for any app's annotations (SQLite, the
embedded default, and PostgreSQL, production, like the rest of the project)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Func, IntegerField

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models.sql.compiler import SQLCompiler


class PlainAggregate(Func):
    """An aggregate function Django does not know to be one, so a correlated subquery over it
    needs no ``GROUP BY``: a plain aggregate is cheaper for PostgreSQL to run once per outer
    row (and over no rows it gives NULL, or 0 for a count, as the grouped form gave after
    `Coalesce`)."""

    contains_aggregate = False


class DaysBetween(Func):
    """Whole days from the date ``start`` to the date ``end`` (``end - start``)."""

    arity = 2
    output_field = IntegerField()

    def __init__(self, start, end, **extra) -> None:
        # Compiled as end first, so one "minus" joiner serves both back ends.
        super().__init__(end, start, **extra)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        # PostgreSQL: date - date is an integer number of days (the template and joiner are
        # this expression's own, whatever is passed).
        return super().as_sql(
            compiler,
            connection,
            function=function,
            template="(%(expressions)s)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(ROUND(julianday(%(expressions)s)) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
