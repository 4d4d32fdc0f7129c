"""What one check-in POST costs the database (scripts/bench.py measures it against a bare DRF
create): the device token is looked up once and brings the patient record with it, and a new
check-in is inserted without reading its client_id first, in one transaction with its
record-change row and no savepoint. The one check-in read before the INSERT is the emergency
rules' window (the episode's earlier check-ins), so that the advice is stored in the same row."""

from __future__ import annotations

import pytest
from celery.signals import task_prerun
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.checkins.models import CheckIn
from apps.episodes.models import RecordChange
from apps.flags.tasks import process_record_changes
from tests.checkins.conftest import TODAY
from tests.checkins.factories import checkin_payload

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins/"


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def test_a_check_in_post_looks_its_device_token_up_once(patient, episode):
    client = token_client(patient.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 201
    token_reads = [q for q in queries.captured_queries if 'FROM "knox_authtoken"' in q["sql"]]
    assert len(token_reads) == 1  # the consent gate's lookup, reused by DRF


@pytest.mark.django_db(transaction=True)  # no test transaction around it: see its SAVEPOINTs
def test_a_new_check_in_is_not_read_before_it_is_inserted(patient, episode):
    client = token_client(patient.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 201
    sql = [q["sql"] for q in queries.captured_queries]
    # The INSERT, on PostgreSQL inside the one statement that writes its record change too.
    insert = next(
        i
        for i, s in enumerate(sql)
        if s.startswith('INSERT INTO "checkins_checkin"')
        or (s.startswith("WITH ") and 'INSERT INTO "checkins_checkin"' in s)
    )
    reads = [s for s in sql[:insert] if 'FROM "checkins_checkin"' in s]
    # Only the rules' window, never a lookup of the check-in's own client_id or id.
    assert len(reads) == 1
    where = reads[0].split(" WHERE ", 1)[1]
    assert '"client_id"' not in reads[0]
    assert '"episode_id"' in where
    assert '"date"' in where
    assert '"checkins_checkin"."id"' not in where
    assert not any(s.startswith("SAVEPOINT") for s in sql)
    assert CheckIn.objects.filter(patient=patient).count() == 1


def test_the_patient_record_comes_with_the_device_token(patient, episode):
    client = token_client(patient.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 201
    assert response.json()["patient"] == str(patient.pk)
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any('FROM "accounts_patient"' in s for s in sql)
    (token_read,) = [s for s in sql if 'FROM "knox_authtoken"' in s]
    assert 'JOIN "accounts_patient"' in token_read


def test_a_staff_token_finds_no_patient_record_on_a_patient_route(physio, patient, episode):
    client = token_client(physio)

    response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code in (403, 404)
    assert not CheckIn.objects.exists()


@pytest.mark.django_db(transaction=True)  # the check-in commits with its change row
def test_the_evaluation_is_kicked_once_for_a_stored_check_in(patient, episode):
    seen = []

    def record(sender=None, **kwargs):
        if sender.name == process_record_changes.name:
            pending = RecordChange.objects.filter(episode=episode, processed_at__isnull=True)
            seen.append(
                (
                    CheckIn.objects.filter(patient=patient).count(),
                    list(pending.values_list("from_date", flat=True)),
                )
            )

    task_prerun.connect(record, weak=False)
    try:
        response = token_client(patient.user).post(URL, checkin_payload(TODAY), format="json")
        repeat = token_client(patient.user).post(URL, checkin_payload(TODAY), format="json")
    finally:
        task_prerun.disconnect(record)

    assert (response.status_code, repeat.status_code) == (201, 409)
    # Once, with the row and its change row already committed; the refused second POST
    # writes no change row and kicks nothing.
    assert seen == [(1, [TODAY])]
    assert list(RecordChange.objects.values_list("from_date", flat=True)) == [TODAY]
    assert RecordChange.objects.get().processed_at is not None


def test_a_bad_token_is_still_refused_with_401(patient, episode):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")

    response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 401
    assert not CheckIn.objects.exists()


@pytest.mark.django_db(transaction=True)  # the real BEGIN/COMMIT, no test transaction
def test_a_check_in_post_costs_three_queries_and_no_transaction_on_postgresql(patient, episode):
    """Pinned (docs/benchmarks.md): the token lookup (user, patient, care team, the latest
    consent's state and the active episode in one query), the rules' window, then the
    check-in and its record-change row in ONE statement (a data-modifying CTE: atomic on its
    own, no BEGIN/COMMIT). On SQLite the last is a transaction of two INSERTs. Before issue
    19: 6 queries (the consent gate read the consent on its own); then 5 (and BEGIN/COMMIT)."""
    client = token_client(patient.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 201
    captured = [q["sql"] for q in queries.captured_queries]
    # The request's own statements: through the write (after it, the eager test settings run
    # the outbox's kick in this process; in production that is the worker's).
    if connection.vendor == "postgresql":
        write = next(i for i, s in enumerate(captured) if s.startswith("WITH "))
        sql = captured[: write + 1]
        assert len(sql) == 3, sql
        assert 'INSERT INTO "checkins_checkin"' in sql[2]
        assert 'INSERT INTO "episodes_recordchange"' in sql[2]
        assert not any(s in ("BEGIN", "COMMIT") for s in sql)
    else:
        sql = captured[: captured.index("COMMIT") + 1]
        assert len(sql) == 6, sql
        assert [s.split()[0] for s in sql[2:]] == ["BEGIN", "INSERT", "INSERT", "COMMIT"]
    assert 'FROM "knox_authtoken"' in sql[0]
    assert '"consent_consentacceptance"' in sql[0]  # the gate's read, in the token query
    assert '"episodes_episode"' in sql[0]  # the active episode, in the token query
    assert not any(s.startswith('SELECT "consent_') for s in sql)
    assert not any(s.startswith('SELECT "episodes_') for s in sql)
    assert 'FROM "checkins_checkin"' in sql[1]  # the rules' window
    stored = CheckIn.objects.get(patient=patient)
    assert RecordChange.objects.filter(episode=episode, from_date=stored.date).count() == 1


def test_a_withdrawn_patient_with_a_device_token_is_refused_from_the_token_query(patient, episode):
    from tests.consent.factories import withdrawn

    withdrawn(patient)
    client = token_client(patient.user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, checkin_payload(TODAY), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "consent_withdrawn"
    assert not any(q["sql"].startswith('SELECT "consent_') for q in queries.captured_queries)
    assert not CheckIn.objects.filter(patient=patient).exists()
