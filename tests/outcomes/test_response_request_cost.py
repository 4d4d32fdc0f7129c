"""What one questionnaire-response POST costs the database (scripts/bench.py measures it
against a bare DRF create): the active episode comes with the device token, an instrument's
items are read once per process, and on PostgreSQL the response, its answers, its scores and
its record-change row are ONE statement (apps/outcomes/single_write.py), answered from what it
wrote."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from apps.episodes.models import RecordChange
from apps.outcomes import selectors, services
from apps.outcomes.models import Answer, QuestionnaireResponse, Score
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
URL = "/api/v1/questionnaire-responses/"
RESPONSE_INSERT = 'INTO "outcomes_questionnaireresponse" ("id"'  # INSERT (OR IGNORE) INTO


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.mark.django_db(transaction=True)  # the real statements, no test transaction
def test_a_response_post_writes_in_one_statement_on_postgresql(patient, clock):
    episode = EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")
    client.post(URL, psfs_body([1, 2, 3], completed_at=NOW), format="json")  # items read

    with CaptureQueriesContext(connection) as queries:
        response = client.post(URL, psfs_body([4, 5, 6], completed_at=NOW), format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["scores"][0]["value"] == 5.0
    sql = [q["sql"] for q in queries.captured_queries]
    # Up to the write (after it, the eager test settings run the flag engine's kick here).
    first_write = next(
        i for i, s in enumerate(sql) if "outcomes_questionnaireresponse" in s and "INSERT" in s
    )
    before = sql[:first_write]
    assert not any('"episodes_episode"' in s for s in before[1:])  # came with the token
    assert '"episodes_episode"' in before[0]
    assert not any('"outcomes_item"' in s for s in before)  # read once per process
    # The instrument, its scores and wordings from this process's cache: the one read before
    # the write is the catalogue's token with the scores the changes are against.
    reads = [s for s in before if not s.startswith(("BEGIN", "SAVEPOINT"))]  # SQLite: BEGIN
    assert len(reads) == 2
    assert '"outcomes_catalogueversion"' in reads[1]
    for table in ("outcomes_instrument", "outcomes_scoredefinition", "outcomes_wording"):
        # (after the write, the eager flag engine's kick refreshes the dashboard summary,
        # which reads score definitions of its own: not this request's catalogue read)
        assert not any(s.startswith("SELECT") and f'FROM "{table}"' in s for s in before)
    writes = [s for s in sql if s.startswith(("INSERT", "WITH")) and RESPONSE_INSERT in s]
    assert len(writes) == 1
    if connection.vendor == "postgresql":
        (write,) = writes
        assert write.startswith("WITH ")
        for table in ("outcomes_answer", "outcomes_score", "episodes_recordchange"):
            assert f'INSERT INTO "{table}"' in write
        assert "BEGIN" not in sql[: sql.index(write)]
        # Nothing read back: the answer is built from what was written.
        after = sql[sql.index(write) + 1 :]
        assert not any(s.startswith('SELECT "outcomes_questionnaireresponse"') for s in after)
    stored = QuestionnaireResponse.objects.get(pk=response.json()["id"])
    assert Answer.objects.filter(response=stored).count() == 6
    assert Score.objects.get(response=stored).value == 5.0
    assert RecordChange.objects.filter(episode=episode, from_date=NOW.date()).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_repeated_response_post_writes_nothing_and_answers_the_stored_one(patient, clock):
    EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")
    body = psfs_body([4, 5, 6], completed_at=NOW)
    first = client.post(URL, body, format="json")
    changes = RecordChange.objects.count()

    again = client.post(URL, body | {"answers": body["answers"][:2]}, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Answer.objects.count() == 6
    assert RecordChange.objects.count() == changes


@pytest.mark.django_db(transaction=True)
def test_a_repeat_with_a_refused_body_still_answers_the_stored_response(patient, clock):
    """The single POST reads no client_id before validating: a refused body is answered
    with the stored response of its client_id afterwards, as before."""
    EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")
    body = psfs_body([4, 5, 6], completed_at=NOW)
    first = client.post(URL, body, format="json")
    refused = body | {"answers": [{"item": "rating_1", "value": 11}]}

    again = client.post(URL, refused, format="json")
    other = client.post(URL, refused | {"client_id": str(uuid.uuid4())}, format="json")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 400)
    assert again.json() == first.json()
    assert "answers" in other.json()["errors"]
    assert QuestionnaireResponse.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_created_response_is_answered_without_reading_every_score(patient, clock, monkeypatch):
    """Its changes came with the catalogue's token, before the write (prior_scores.py); a
    replay is answered with the stored response's changes, read over every score."""
    EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient.user)[1]}")
    earlier = NOW - dt.timedelta(hours=1)  # (at one instant, the ids would order them)
    first = client.post(URL, psfs_body([1, 2, 3], completed_at=earlier), format="json")
    read_every_score = []
    every_score = selectors.changes_for_responses
    monkeypatch.setattr(
        selectors,
        "changes_for_responses",
        lambda responses: read_every_score.append(1) or every_score(responses),
    )

    body = psfs_body([4, 5, 6], completed_at=NOW)
    created = client.post(URL, body, format="json")
    assert read_every_score == []
    again = client.post(URL, body, format="json")

    assert (first.status_code, created.status_code, again.status_code) == (201, 201, 200)
    [score] = created.json()["scores"]
    assert (score["change_from_baseline"], score["change_from_previous"]) == (3.0, 3.0)
    assert again.json() == created.json()
    assert read_every_score == [1]


@pytest.mark.django_db(transaction=True)
def test_a_batch_costs_the_same_statements_for_2_or_5_responses(patient, clock):
    """`POST sync/`'s questionnaire responses (services.questionnaire_responses_submit_many):
    the instruments from the cache once the catalogue's token (one query) holds."""
    EpisodeFactory(patient=patient, symptom_onset_date=NOW.date() - dt.timedelta(30))

    def batch(n):
        return [psfs_body([4, 5, 6], completed_at=NOW) for _ in range(n)]

    services.questionnaire_responses_submit_many(patient=patient, items=batch(1))  # warm
    counts = []
    for n in (2, 5):  # (one alone is the single POST's one statement on PostgreSQL)
        with CaptureQueriesContext(connection) as queries:
            results = services.questionnaire_responses_submit_many(patient=patient, items=batch(n))
        assert [r.status for r in results] == ["created"] * n
        sql = [q["sql"] for q in queries.captured_queries]
        # Validated and scored before the write; after it, the eager flag engine's kick
        # refreshes the dashboard summary, which reads score definitions of its own.
        first_write = next(
            i for i, s in enumerate(sql) if "outcomes_questionnaireresponse" in s and "INSERT" in s
        )
        for table in ("outcomes_instrument", "outcomes_scoredefinition", "outcomes_wording"):
            assert not any(
                s.startswith("SELECT") and f'FROM "{table}"' in s for s in sql[:first_write]
            )
        assert sum('"outcomes_catalogueversion"' in s for s in sql) == 1
        counts.append(len(sql))
    assert counts[0] == counts[1]
    assert Score.objects.count() == 8
