"""Storing the questionnaire responses that apps/outcomes/services.py accepted: each with
its answers and scores (scored here, against its instrument version), and the record-change
row that tells the flag engine, in one transaction; on PostgreSQL a single response in one
statement (apps/outcomes/single_write.py). Idempotent by ``client_id`` per patient: the
unique constraint decides between concurrent identical requests, and the read-back tells
ours (created) from theirs (unchanged). A created response is answered from what was
written (`_as_read`), not read back."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from apps.accounts.models import Patient
from apps.core.sync import ItemResult, ItemStatus
from apps.episodes.models import Episode
from apps.episodes.record_changes import record_change_write
from apps.outcomes.models import (
    Answer,
    Instrument,
    QuestionnaireResponse,
    Score,
    ScoreDefinition,
)
from apps.outcomes.scoring import ALGORITHM_VERSIONS, ScoreOutcome, ScoreSpec, score
from apps.outcomes.single_write import write_one


def spec_of(definition: ScoreDefinition) -> ScoreSpec:
    """The pure scoring spec of a stored definition (item ranges from its items)."""
    raw: dict[str, Any] = next(
        (
            s
            for s in definition.instrument.definition.get("scores", [])
            if s["code"] == definition.code
        ),
        {},
    )
    item_range = raw.get("item_range") or [0, 1]
    return ScoreSpec(
        algorithm=definition.algorithm,
        items=tuple(definition.items),
        min_answered=definition.min_answered,
        item_min=float(item_range[0]),
        item_max=float(item_range[1]),
        reverse=bool(raw.get("reverse", False)),
        lookup=definition.lookup,
        lookup_key=str(raw.get("lookup_key", "raw_sum")),
    )


def score_definition(definition: ScoreDefinition, weights: dict[str, float | None]) -> ScoreOutcome:
    return score(spec_of(definition), weights)


def unsaved_scores(
    response: QuestionnaireResponse, instrument: Instrument, weights: dict[str, float | None]
) -> list[Score]:
    """The scores of ``response`` by every definition of ``instrument`` (each definition's
    ``instrument`` set), each stamped with its algorithm's version; not stored."""
    scores = []
    for definition in instrument.scores.all():
        outcome = score_definition(definition, weights)
        scores.append(
            Score(
                response=response,
                definition=definition,
                value=outcome.value,
                reason=outcome.reason,
                algorithm_version=ALGORITHM_VERSIONS[definition.algorithm],
            )
        )
    return scores


@dataclass
class Candidate:
    index: int
    data: dict[str, Any]
    instrument: Instrument
    episode: Episode
    date: dt.date
    weights: dict[str, float | None]
    response_id: uuid.UUID


def _planned(
    patient: Patient, candidates: list[Candidate]
) -> tuple[dict[uuid.UUID, tuple[QuestionnaireResponse, Candidate]], list[tuple[int, uuid.UUID]]]:
    """The responses to create, one per client_id (the first item sending it), and each
    item's (index, client_id)."""
    to_create: dict[uuid.UUID, tuple[QuestionnaireResponse, Candidate]] = {}
    pending: list[tuple[int, uuid.UUID]] = []
    for candidate in candidates:
        client_id = candidate.data["client_id"]
        pending.append((candidate.index, client_id))
        if client_id in to_create:
            continue
        to_create[client_id] = (
            QuestionnaireResponse(
                id=candidate.response_id,
                patient=patient,
                episode=candidate.episode,
                client_id=client_id,
                instrument=candidate.instrument,
                language=candidate.data["language"],
                completed_at=candidate.data["completed_at"],
                date=candidate.date,
            ),
            candidate,
        )
    return to_create, pending


def store(patient: Patient, candidates: list[Candidate], results: list[ItemResult | None]) -> None:
    to_create, pending = _planned(patient, candidates)
    if not to_create:
        return
    if len(pending) == 1 and connection.vendor == "postgresql":
        index, client_id = pending[0]
        result = _store_one(patient, *to_create[client_id])
        if result is not None:
            results[index] = result
            return
    with transaction.atomic():
        QuestionnaireResponse.objects.bulk_create(
            [response for response, _ in to_create.values()], ignore_conflicts=True
        )
        saved = {
            r.client_id: r
            for r in QuestionnaireResponse.objects.filter(
                patient=patient, client_id__in=to_create.keys()
            )
        }
        ours = [to_create[cid] for cid, r in saved.items() if r.id == to_create[cid][0].id]
        answers, scores, written = _answers_and_scores(ours)
        Answer.objects.bulk_create(answers)
        Score.objects.bulk_create(scores)
        for client_id, response in saved.items():
            if response.id in written:  # ours: answered from what was just written
                _as_read(response, to_create[client_id][1].instrument, *written[response.id])
        reported: set[uuid.UUID] = set()
        for index, client_id in pending:
            response = saved[client_id]
            created = response.id == to_create[client_id][0].id and client_id not in reported
            reported.add(client_id)
            status = ItemStatus.CREATED if created else ItemStatus.UNCHANGED
            results[index] = ItemResult(status, id=response.id, obj=response)
        changed: dict[Any, tuple[Episode, set[dt.date]]] = {}
        for _response, candidate in ours:
            changed.setdefault(candidate.episode.pk, (candidate.episode, set()))[1].add(
                candidate.date
            )
        for episode, dates in changed.values():
            record_change_write(episode=episode, changed_dates=sorted(dates))


def _store_one(
    patient: Patient, response: QuestionnaireResponse, candidate: Candidate
) -> ItemResult | None:
    """The single POST (and a batch of one) on PostgreSQL: one statement
    (apps/outcomes/single_write.py). None when neither it nor a stored one answers (left to
    the general path)."""
    answers, scores, _ = _answers_and_scores([(response, candidate)])
    with write_one(response, answers, scores, date=candidate.date) as change:
        if change is not None:
            record_change_write(episode=candidate.episode, changed_dates=[candidate.date])
            _as_read(response, candidate.instrument, answers, scores)
            return ItemResult(ItemStatus.CREATED, id=response.id, obj=response)
    # Not written: this client_id was stored first by another request; answer that one.
    stored = QuestionnaireResponse.objects.filter(
        patient=patient, client_id=response.client_id
    ).first()
    if stored is None:
        return None
    return ItemResult(ItemStatus.UNCHANGED, id=stored.id, obj=stored)


def _as_read(
    response: QuestionnaireResponse,
    instrument: Instrument,
    answers: list[Answer],
    scores: list[Score],
) -> None:
    """Give a stored response its instrument, answers and scores (as written, each with its
    item or definition) as `selectors.responses_visible_to` would read them, so that the POST
    answers a created response without reading it back."""
    response.instrument = instrument
    cache = response.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in (("answers", answers), ("scores", scores)):
        related = getattr(response, name).all()
        related._result_cache = rows
        related._prefetch_done = True
        cache[name] = related


def _answers_and_scores(
    ours: list[tuple[QuestionnaireResponse, Candidate]],
) -> tuple[list[Answer], list[Score], dict[uuid.UUID, tuple[list[Answer], list[Score]]]]:
    """The answers and scores of the new responses, not stored; and by response id, its
    own."""
    answers: list[Answer] = []
    scores: list[Score] = []
    written: dict[uuid.UUID, tuple[list[Answer], list[Score]]] = {}
    for response, candidate in ours:
        first_answer, first_score = len(answers), len(scores)
        items = {item.link_id: item for item in candidate.instrument.items.all()}
        for answer in candidate.data["answers"]:
            answers.append(
                Answer(
                    response=response,
                    item=items[answer["item"]],
                    value=answer["value"],
                    weight=candidate.weights.get(answer["item"]),
                )
            )
        # Each definition has its instrument set (catalogue.py): shared rows, never changed.
        scores += unsaved_scores(response, candidate.instrument, candidate.weights)
        written[response.id] = (answers[first_answer:], scores[first_score:])
    return answers, scores, written
