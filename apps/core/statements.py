"""Rows of one INSERT as SQL text and parameters, for statements the ORM does not write: a
PostgreSQL data-modifying CTE that stores a write and its record-change row in one statement
(apps/episodes/record_changes.py, apps/outcomes/single_write.py, apps/checkins/services.py);
and the many-row ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` of a batch (`insert_new`),
which tells the rows it stored without reading them back.

Only quoted names and types from the model are interpolated; every value is a parameter,
prepared by its field as the ORM would (``pre_save`` with ``add``, ``get_db_prep_save``) and
cast to its column's type: in a ``SELECT`` list or a ``VALUES`` list in ``FROM`` a parameter
has no type of its own."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.db.models.sql import InsertQuery


def orm_insert(obj: Model, *, ignore_conflicts: bool = False) -> tuple[str, Sequence[Any]]:
    """``obj``'s INSERT as Django's own compiler writes it (defaults, ``auto_now`` and the
    database's adaptation of each value applied; no RETURNING: the id is the caller's), with
    ``ON CONFLICT DO NOTHING`` when ``ignore_conflicts`` (as ``bulk_create`` writes it)."""
    model = type(obj)
    query = InsertQuery(model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
    query.insert_values(model._meta.local_concrete_fields, [obj])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, params


def insert_new(objs: Sequence[Model]) -> set[Any]:
    """Store ``objs`` (of one model, primary keys set by the caller) with the statement
    ``bulk_create(objs, ignore_conflicts=True)`` runs, with ``RETURNING`` the primary key, and
    return the primary keys of the rows it stored: a row a unique constraint refused is not
    among them (bulk_create cannot say which). One statement (batches of the backend's
    parameter limit on SQLite, 32,766 parameters by default). The objects are marked stored,
    as bulk_create marks them.

    Defaults and ``auto_now`` are applied (``pre_save``) as the ORM's compiler applies them.
    On PostgreSQL the rows go as one array per column (``SELECT * FROM UNNEST(...)``, the
    form of Django's own bulk INSERT there), and a column whose every value is already of its
    field's Python type (`_ADAPTED`: a UUID, a date, an aware datetime, an int, a bool, a
    str, or None) is passed as it is, cast to its column's type, rather than prepared value
    by value (``get_db_prep_save``, which returns those values unchanged there, ints wrapped
    for the driver): for a batch of 500 rows that preparation cost as much as the rest of
    the INSERT. Any other column is prepared by its field; a model the UNNEST form does not
    suit is left to the ORM's compiler."""
    if not objs:
        return set()
    model = type(objs[0])
    meta = model._meta
    fields = list(meta.local_concrete_fields)
    if connection.vendor == "postgresql" and len(objs) > 1:
        stored = _insert_unnest(model, fields, objs)
        if stored is not None:
            _mark_stored(objs)
            return stored
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    stored = set()
    for start in range(0, len(objs), size):
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
        query.insert_values(fields, list(objs[start : start + size]))
        compiler = query.get_compiler(connection=connection)
        stored.update(pk for (pk,) in compiler.execute_sql(returning_fields=[meta.pk]))
    _mark_stored(objs)
    return stored


#: Python types a column's values may have to go to PostgreSQL as they are, by the internal
#: type of the field (its target's, for a foreign key). A datetime must also be aware.
_ADAPTED: dict[str, type] = {
    "UUIDField": uuid.UUID,
    "DateField": dt.date,
    "DateTimeField": dt.datetime,
    "BooleanField": bool,
    "CharField": str,
    "TextField": str,
    **dict.fromkeys(
        (
            "SmallIntegerField",
            "IntegerField",
            "BigIntegerField",
            "PositiveSmallIntegerField",
            "PositiveIntegerField",
            "PositiveBigIntegerField",
        ),
        int,
    ),
}


def _as_they_are(internal_type: str, values: list[Any], *, null: bool) -> bool:
    """Whether every value is exactly of the Python type the column takes as it is."""
    kind = _ADAPTED.get(internal_type)
    if kind is None:
        return False
    for value in values:
        if value is None:
            if not null:
                return False
        elif type(value) is not kind or (
            isinstance(value, dt.datetime) and value.utcoffset() is None
        ):
            return False
    return True


def _insert_unnest(model: type[Model], fields: list[Any], objs: Sequence[Model]) -> set[Any] | None:
    """The PostgreSQL form of `insert_new` (see there); None when the model does not suit it
    (as Django's compiler decides: a field with its own placeholder, or whose type is not
    one of the backend's, or a value that is an expression)."""
    if any(hasattr(field, "get_placeholder_sql") for field in fields) or any(
        (field.target_field if field.is_relation else field).get_internal_type()
        not in connection.data_types
        for field in fields
    ):
        return None
    columns: list[list[Any]] = []
    for field in fields:
        values = [field.pre_save(obj, True) for obj in objs]
        if any(hasattr(value, "resolve_expression") for value in values):
            return None
        target = field.target_field if field.is_relation else field
        if not _as_they_are(target.get_internal_type(), values, null=field.null):
            values = [field.get_db_prep_save(value, connection) for value in values]
        columns.append(values)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(str(field.column)) for field in fields)
    casts = ", ".join(f"(%s)::{field.db_type(connection).split('(')[0]}[]" for field in fields)
    pk = quote(str(model._meta.pk.column))
    # Names and types from the model; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({casts}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {table}.{pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, columns)
        return {pk_value for (pk_value,) in cursor.fetchall()}


def _mark_stored(objs: Sequence[Model]) -> None:
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert_rows(model: type[Model], objs: Sequence[Model]) -> tuple[str, str, list[Any]]:
    """``(head, rows, params)``: ``INSERT INTO <table> (<columns>)`` of the model's concrete
    columns (an auto-increment primary key left to the database), and ``(%s::type, …), …``
    with one row per object. Both need at least one object."""
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and f.get_internal_type() in {"AutoField", "BigAutoField"})
    ]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)  # concrete: each has one
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns})"
    row = f"({', '.join(f'%s::{f.cast_db_type(connection)}' for f in fields)})"
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    return head, ", ".join([row] * len(objs)), params
