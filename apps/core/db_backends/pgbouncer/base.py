"""PostgreSQL through PgBouncer in transaction pooling mode (``DATABASE_POOLER=pgbouncer``).

Queries and transactions are Django's own PostgreSQL backend unchanged: the settings that mode
needs (no server-side cursors, no prepared statements, no session state) are in
backend/settings/base.py. What differs is the one thing a pooler cannot do: create and drop
databases. A ``DROP DATABASE`` fails while PgBouncer keeps idle server connections to it, and
the test runner (pytest-django) creates and drops ``test_<name>``. So the "no database"
connection Django uses for CREATE/DROP DATABASE goes straight to PostgreSQL (``DIRECT`` in the
settings: ``DATABASE_DIRECT_URL``), and the drops are ``WITH (FORCE)``, which also closes the
pooler's idle server connections to the database being dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.backends.postgresql import base, creation
from django.db.backends.utils import CursorWrapper


class DatabaseCreation(creation.DatabaseCreation):
    def _create_test_db(self, verbosity: int, autoclobber: bool, keepdb: bool = False) -> str:
        # django-stubs leave out BaseDatabaseCreation's private methods (_get_test_db_name,
        # _quote_name, _create_test_db), which Django has and this backend extends.
        name: str = self._get_test_db_name()  # type: ignore[attr-defined]
        if not keepdb:
            quoted = self._quote_name(name)  # type: ignore[attr-defined]
            with self.connection._nodb_cursor() as cursor:
                cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        created: str = super()._create_test_db(verbosity, autoclobber, keepdb)  # type: ignore[misc]
        return created

    def _destroy_test_db(self, test_database_name: str, verbosity: int) -> None:
        self.connection.close_pool()
        with self.connection._nodb_cursor() as cursor:
            quoted = self._quote_name(test_database_name)  # type: ignore[attr-defined]
            cursor.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation

    @contextmanager
    def _nodb_cursor(self) -> Iterator[CursorWrapper]:
        direct: dict[str, Any] = self.settings_dict.get("DIRECT") or {}
        if not direct:
            with super()._nodb_cursor() as cursor:
                yield cursor
            return
        settings = {**self.settings_dict, **direct, "NAME": "postgres", "DIRECT": None}
        conn = base.DatabaseWrapper(settings, alias=self.alias)
        try:
            with conn.cursor() as cursor:
                yield cursor
        finally:
            conn.close()
