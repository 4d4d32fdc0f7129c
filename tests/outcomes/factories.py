"""Stored questionnaire responses for tests, written directly (any date), scored as the
service scores them."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from apps.outcomes.models import (
    Answer,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
)
from apps.outcomes.response_store import unsaved_scores


def stored_response(
    *, episode: Any, instrument: str = "psfs", day: dt.date, answers: dict[str, Any]
) -> QuestionnaireResponse:
    found = Instrument.objects.get(code=instrument, is_current=True)
    response = QuestionnaireResponse.objects.create(
        patient=episode.patient,
        episode=episode,
        client_id=uuid.uuid4(),
        instrument=found,
        language="en",
        completed_at=dt.datetime.combine(day, dt.time(12), dt.UTC),
        date=day,
    )
    items = {item.link_id: item for item in found.items.prefetch_related("options")}
    weights: dict[str, float | None] = {}
    for link_id, value in answers.items():
        item = items[link_id]
        options = {o.code: o.weight for o in item.options.all()}
        weight = (
            options.get(str(value))
            if item.kind == "choice"
            else (None if item.kind == "string" else float(value))
        )
        weights[link_id] = weight
        Answer.objects.create(response=response, item=item, value=value, weight=weight)
    # Scored as the product scores a stored response (apps.outcomes.response_store).
    for unsaved in unsaved_scores(response, found, weights):
        unsaved.save()
    return response


def psfs_answers(*ratings: int) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for index, rating in enumerate(ratings, start=1):
        answers[f"activity_{index}"] = f"activity {index}"
        answers[f"rating_{index}"] = rating
    return answers


def requested(*, patient: Any, instrument: str = "pgic", day: dt.date) -> QuestionnaireRequest:
    return QuestionnaireRequest.objects.create(
        patient=patient,
        instrument_code=instrument,
        requested_on=day,
        expires_on=day + dt.timedelta(days=7),
    )
