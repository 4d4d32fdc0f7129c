"""Rows of one INSERT as SQL text and parameters, for statements the ORM does not write: a
PostgreSQL data-modifying CTE that stores a write and its record-change row in one statement
(apps/episodes/record_changes.py, apps/outcomes/single_write.py, apps/checkins/services.py).

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
