"""`access_entries_insert`: one INSERT … SELECT … FROM unnest(…) on PostgreSQL stores exactly
what ``bulk_create`` stores (and is what SQLite uses)."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.audit.models import AccessAction, AccessLogEntry
from apps.audit.writes import access_entries_insert

pytestmark = pytest.mark.django_db

FIELDS = [
    "request_id",
    "actor_id",
    "actor_name",
    "actor_role",
    "actor_is_superuser",
    "patient_id",
    "action",
    "method",
    "view_name",
    "route",
    "source_ip",
    "outcome",
    "detail",
]


def _common(request_id: uuid.UUID) -> dict:
    return {
        "request_id": request_id,
        "actor_id": uuid.uuid4(),
        "actor_name": "Ada Physio",
        "actor_role": "physio",
        "actor_is_superuser": False,
        "action": AccessAction.READ,
        "method": "GET",
        "view_name": "dashboard-patients",
        "route": "api/v1/dashboard/patients/",
        "source_ip": "127.0.0.1",
        "outcome": 200,
        "detail": {"note": "ünïcode", "rows": [1, 2]},
    }


def _stored(request_id: uuid.UUID) -> list[tuple]:
    rows = AccessLogEntry.objects.filter(request_id=request_id).values_list(*FIELDS)
    return sorted((row[5] is None, str(row[5]), *row[:5], *row[6:]) for row in rows)


def test_one_statement_stores_what_bulk_create_stores():
    patients = [uuid.uuid4() for _ in range(50)] + [None]
    first, second = uuid.uuid4(), uuid.uuid4()
    common = _common(first)
    with CaptureQueriesContext(connection) as queries:
        access_entries_insert(patients, common)
    assert len(queries) == 1
    AccessLogEntry.objects.bulk_create(
        [AccessLogEntry(patient_id=p, **{**common, "request_id": second}) for p in patients]
    )
    ours, django = _stored(first), _stored(second)
    assert len(ours) == 51
    assert [row[:2] + row[3:] for row in ours] == [row[:2] + row[3:] for row in django]
    assert len(set(AccessLogEntry.objects.filter(request_id=first).values_list("id"))) == 51
