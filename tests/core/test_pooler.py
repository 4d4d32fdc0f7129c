"""PostgreSQL behind PgBouncer in transaction pooling mode (DATABASE_POOLER=pgbouncer): the
settings that mode needs, and, in CI's pooled pass, that the queries really go through it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent.parent
POOLED = os.environ.get("DATABASE_POOLER") == "pgbouncer"


def _settings_of(**env: str) -> dict:
    script = (
        "import json; from backend.settings import base as b; d = b.DATABASES['default'];"
        "print(json.dumps({k: d.get(k) for k in"
        " ('ENGINE', 'DISABLE_SERVER_SIDE_CURSORS', 'OPTIONS', 'DIRECT', 'PORT')}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    return json.loads(done.stdout)


def test_the_pooler_setting_turns_off_what_transaction_pooling_cannot_carry():
    pooled = _settings_of(
        DATABASE_URL="postgres://app@127.0.0.1:6432/toh",
        DATABASE_POOLER="pgbouncer",
        DATABASE_DIRECT_URL="postgres://app:secret@db.internal:5432/postgres",
    )
    assert pooled["ENGINE"] == "apps.core.db_backends.pgbouncer"
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert pooled["OPTIONS"]["prepare_threshold"] is None
    assert pooled["DIRECT"] == {
        "HOST": "db.internal",
        "PORT": 5432,
        "USER": "app",
        "PASSWORD": "secret",
    }
    direct = _settings_of(DATABASE_URL="postgres://app@127.0.0.1:5432/toh")
    assert direct["ENGINE"] == "django.db.backends.postgresql"
    assert not direct["DISABLE_SERVER_SIDE_CURSORS"]
    assert "prepare_threshold" not in (direct["OPTIONS"] or {})


def test_an_unknown_pooler_is_refused():
    with pytest.raises(subprocess.CalledProcessError):
        _settings_of(DATABASE_URL="postgres://app@127.0.0.1/toh", DATABASE_POOLER="pgpool")


@pytest.mark.postgres
@pytest.mark.skipif(not POOLED, reason="CI's pooled pass: DATABASE_POOLER=pgbouncer")
@pytest.mark.django_db(transaction=True)
def test_queries_go_through_the_pooler_and_a_large_iterator_needs_no_server_side_cursor():
    from apps.accounts.models import User

    client_port = int(connection.settings_dict["PORT"])
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        server_port = cursor.fetchone()[0]
    assert server_port != client_port  # PgBouncer's port in front, PostgreSQL's behind
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    User.objects.bulk_create(
        [User(email=f"pooled-{n}@example.org", password="!") for n in range(2500)]
    )
    # In autocommit, a server-side cursor would be DECLAREd WITH HOLD and FETCHed in later
    # statements, which transaction pooling may route to another server connection.
    seen = sum(1 for _ in User.objects.filter(email__startswith="pooled-").iterator(chunk_size=100))
    assert seen == 2500
