"""The bench's sync/ body (scripts/benchmarks/data.py) is what its figure says: 500 items that
are all accepted (check-ins, exercise sessions and questionnaire responses), and the same body
again is 500 replays, all unchanged; the figure's notes count every kind."""

from __future__ import annotations

import collections

import pytest
from rest_framework.test import APIClient

from apps.outcomes.models import QuestionnaireResponse
from scripts.benchmarks.data import bulk_patients, sync_body, sync_plan_items
from scripts.benchmarks.http_figures import _count_statuses

pytestmark = pytest.mark.django_db


def _statuses(answer: dict) -> dict[str, int]:
    items = answer["checkins"] + answer["exercise_sessions"] + answer["questionnaire_responses"]
    return dict(collections.Counter(item["status"] for item in items))


def test_the_bench_sync_body_is_500_accepted_items_then_500_unchanged_replays():
    patients, tokens = bulk_patients(1, label="sync", onset_days_ago=600)
    body = sync_body(500, sync_plan_items(patients)[patients[0].pk])
    kinds = ("checkins", "exercise_sessions", "questionnaire_responses")
    assert tuple(len(body[kind]) for kind in kinds) == (31, 463, 6)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")

    first = client.post("/api/v1/sync/", body, format="json")
    again = client.post("/api/v1/sync/", body, format="json")

    assert first.status_code == 200, first.content[:500]
    assert _statuses(first.json()) == {"created": 500}
    assert again.status_code == 200
    assert _statuses(again.json()) == {"unchanged": 500}
    responses = QuestionnaireResponse.objects.filter(patient=patients[0])
    assert len(set(responses.values_list("date", flat=True))) == 6  # on different dates
    counted: dict[str, int] = {}
    _count_statuses(first.content, counted)
    _count_statuses(again.content, counted)
    assert counted == {"created": 500, "unchanged": 500}
