"""Concurrent identical responses store one row (PostgreSQL: the unique constraint decides,
the read-back tells the one that stored it)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from apps.core.sync import ItemStatus
from apps.episodes.models import RecordChange
from apps.outcomes import services
from apps.outcomes.models import Answer, QuestionnaireResponse, Score
from tests.episodes.factories import EpisodeFactory
from tests.outcomes.helpers import psfs_body
from tests.support.concurrency import run_concurrently


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_identical_responses_store_one(patient):
    EpisodeFactory(
        patient=patient, symptom_onset_date=timezone.now().date() - dt.timedelta(days=20)
    )
    body = psfs_body(
        [4, 5, 6], completed_at=timezone.now() - dt.timedelta(minutes=5), client_id=uuid.uuid4()
    )
    statuses = run_concurrently(
        lambda: services.questionnaire_response_submit(patient=patient, data=body).status
    )

    assert sorted(statuses) == [ItemStatus.CREATED] + [ItemStatus.UNCHANGED] * 3
    assert QuestionnaireResponse.objects.count() == 1
    assert Answer.objects.count() == 6
    assert Score.objects.count() == 1
    assert RecordChange.objects.count() == 1
