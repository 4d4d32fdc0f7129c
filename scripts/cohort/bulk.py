"""Fast inserts of generated rows: ``COPY`` on PostgreSQL (skipping the per-row foreign-key
checks when the role may), ``bulk_create`` elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import DatabaseError, connection, models


def skip_foreign_key_triggers() -> None:
    """Let this transaction's COPY skip the per-row foreign-key checks, when allowed.

    Every key the generator writes was created a moment before in the same transaction, and
    the checks (one lookup per row and key, queued to commit) cost more than the COPY itself.
    Needs a role allowed to set ``session_replication_role`` (a superuser, as in development
    and the benchmarks); elsewhere the checks simply run."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT cohort_replica")
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            cursor.execute("ROLLBACK TO SAVEPOINT cohort_replica")
        else:
            cursor.execute("RELEASE SAVEPOINT cohort_replica")


def _attname_and_column(model: type[models.Model], name: str) -> tuple[str, str]:
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise LookupError(f"{model.__name__}.{name} is not a column")
    return field.attname, field.column


def copy_or_bulk(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: dict[str, Any],
) -> int:
    """Insert ``rows`` (values for ``columns``) plus ``constants`` into ``model``'s table.

    COPY on PostgreSQL (about three times faster than multi-row INSERT), bulk_create elsewhere.
    """
    names = [*columns, *constants]
    attnames = [_attname_and_column(model, name)[0] for name in names]
    tail = list(constants.values())
    if connection.vendor == "postgresql":
        return _copy(model, names, attnames, rows, tail)
    objects = [model(**dict(zip(attnames, [*row, *tail], strict=True))) for row in rows]
    model._default_manager.bulk_create(objects, batch_size=500)
    return len(objects)


def _copy(
    model: type[models.Model],
    names: list[str],
    attnames: list[str],
    rows: Iterable[Sequence[Any]],
    tail: list[Any],
) -> int:
    json_fields = {
        f.attname for f in model._meta.concrete_fields if isinstance(f, models.JSONField)
    }
    skip_foreign_key_triggers()
    table = model._meta.db_table
    column_sql = ", ".join(
        connection.ops.quote_name(_attname_and_column(model, name)[1]) for name in names
    )
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
            for row in rows:
                values = [
                    json.dumps(value) if attname in json_fields else value
                    for attname, value in zip(attnames, [*row, *tail], strict=True)
                ]
                copy.write_row(values)
                count += 1
    return count
