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
    ``bulk_create(objs, ignore_conflicts=True)`` runs - the ORM's compiler, defaults and
    ``auto_now`` applied - with ``RETURNING`` the primary key, and return the primary keys of
    the rows it stored: a row a unique constraint refused is not among them (bulk_create
    cannot say which). One statement (batches of the backend's parameter limit on SQLite,
    32,766 parameters by default). The objects are marked stored, as bulk_create marks them."""
    if not objs:
        return set()
    model = type(objs[0])
    meta = model._meta
    fields = list(meta.local_concrete_fields)
    size = max(connection.ops.bulk_batch_size(fields, objs), 1)
    stored: set[Any] = set()
    for start in range(0, len(objs), size):
        query = InsertQuery(model, on_conflict=OnConflict.IGNORE)
        query.insert_values(fields, objs[start : start + size])
        compiler = query.get_compiler(connection=connection)
        stored.update(pk for (pk,) in compiler.execute_sql(returning_fields=[meta.pk]))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return stored


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
