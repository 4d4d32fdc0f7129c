"""Writes of questionnaire responses, schedules and requests (API.md: Outcome measures).

A response is validated against the instrument version it names (from this process's
cache of the catalogue while the database's catalogue token holds: apps/outcomes/
catalogue.py), then scored and stored with its answers, its scores and its record-change
row (apps/outcomes/response_store.py). The batch code lives here, apart from
apps.core.sync's shared pieces, so it can move to a shared batch machinery later.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import Patient, User
from apps.core.exceptions import ValidationFailed
from apps.core.sync import ItemResult, ItemStatus, client_id_of
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.record_changes import record_change_write
from apps.episodes.selectors import active_episode_of_request
from apps.outcomes.catalogue import cached_instrument, catalogue_token, instruments_by_key
from apps.outcomes.checks import check_response
from apps.outcomes.conf import outcomes_setting
from apps.outcomes.inputs import validate_response_input
from apps.outcomes.models import (
    Answer,
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    QuestionnaireSchedule,
    Score,
)
from apps.outcomes.prior_scores import PriorScores, catalogue_and_prior_scores
from apps.outcomes.response_store import Candidate, score_definition, store

__all__ = [
    "SubmittedResponse",
    "questionnaire_request_create",
    "questionnaire_response_post",
    "questionnaire_response_submit",
    "questionnaire_responses_submit_many",
    "questionnaire_schedule_set",
    "score_definition",  # scripts/cohort, tests: scored as the service scores
    "scores_rescore",
]
from apps.outcomes.scoring import ALGORITHM_VERSIONS, Change, change_of


def _local_date(instant: dt.datetime, tz_name: str) -> dt.date:
    import zoneinfo

    return instant.astimezone(zoneinfo.ZoneInfo(tz_name)).date()


def _episodes_of(patient: Patient) -> list[Episode]:
    """What `_episode_for` picks from: the active episode alone when the device-token lookup
    carried it (no query), else the patient's episodes, newest first."""
    active = active_episode_of_request(patient)
    if active is not None:
        return [active]
    return list(Episode.objects.filter(patient=patient).order_by("-created_at"))


def _episode_for(episodes: list[Episode]) -> Episode | None:
    """The active episode, else the latest resolved one (joint checks after recovery)."""
    active = [e for e in episodes if e.status == "active"]
    if active:
        return active[0]
    return episodes[0] if episodes else None


def _stored_by_client_id(
    patient: Patient, client_ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, QuestionnaireResponse]:
    wanted = {cid for cid in client_ids if cid is not None}
    if not wanted:
        return {}
    return {
        r.client_id: r
        for r in QuestionnaireResponse.objects.filter(patient=patient, client_id__in=wanted)
    }


def questionnaire_responses_submit_many(
    *, patient: Patient, items: Sequence[Any], read_first: bool = True
) -> list[ItemResult]:
    """Store the responses a phone sent, each as its own POST would be: ``created``,
    ``unchanged`` (this client_id was stored before, or earlier in the batch) or
    ``invalid`` with field errors. A fixed number of queries whatever the batch size (the
    instruments from this process's cache while the catalogue's token, one query, holds).

    ``read_first=False`` (the single POST): the stored client_ids are not read before
    validating: a valid repeat is answered by the write that the unique index refuses, and a
    refused item by a read of its client_id afterwards (`_replays_of_refused`), so every
    answer is what the read first would have given, without its query for a new response."""
    return _submit(patient, items, read_first=read_first).results


@dataclass
class SubmittedResponse:
    """The single POST's result and, when it created the response, each of its scores'
    change (score id -> Change; None: the caller reads them, `selectors.
    changes_for_responses`)."""

    result: ItemResult
    changes: dict[uuid.UUID, Change] | None


def questionnaire_response_submit(*, patient: Patient, data: Any) -> ItemResult:
    """``POST questionnaire-responses/``: the single-item form of the batch."""
    return questionnaire_response_post(patient=patient, data=data).result


def questionnaire_response_post(*, patient: Patient, data: Any) -> SubmittedResponse:
    """The single POST with its answer's changes: the catalogue's token and the scores
    before it (baseline, previous) are read in one query before the write
    (apps/outcomes/prior_scores.py)."""
    submitted = _submit(patient, [data], read_first=False, single=True)
    return SubmittedResponse(submitted.results[0], submitted.changes)


@dataclass
class _Submitted:
    results: list[ItemResult]
    changes: dict[uuid.UUID, Change] | None = None


def _submit(
    patient: Patient, items: Sequence[Any], *, read_first: bool, single: bool = False
) -> _Submitted:
    results: list[ItemResult | None] = [None] * len(items)
    stored = _stored_by_client_id(patient, map(client_id_of, items)) if read_first else {}
    valid = _validated(items, stored, results)
    episode = _episode_for(_episodes_of(patient)) if valid else None
    prior: PriorScores | None = None
    response_ids: dict[int, uuid.UUID] = {}
    if single and valid and episode is not None:
        index, data = valid[0]
        response_ids[index] = uuid.uuid4()  # drawn now: the order of responses ties on it
        prior = _prior_scores(patient, episode, data, response_ids[index])
        token = prior.token
    else:
        token = catalogue_token() if valid else None
    instruments = instruments_by_key(
        {(d["instrument"], d["instrument_version"]) for _, d in valid}, token
    )
    candidates: list[Candidate] = []
    for index, data in valid:
        instrument = instruments.get((data["instrument"], data["instrument_version"]))
        day = _local_date(data["completed_at"], patient.timezone)
        errors, weights = _checked(data, instrument, episode, day)
        if errors or instrument is None or episode is None:
            results[index] = ItemResult(ItemStatus.INVALID, errors=errors)
            continue
        response_id = response_ids.get(index) or uuid.uuid4()
        candidates.append(Candidate(index, data, instrument, episode, day, weights, response_id))
    store(patient, candidates, results)
    if not read_first:
        _replays_of_refused(patient, items, results)
    done = [result for result in results if result is not None]
    changes = None
    if prior is not None and done[0].status == ItemStatus.CREATED:
        created = done[0].obj
        assert isinstance(created, QuestionnaireResponse)  # noqa: S101 - what store gives
        changes = _changes_of_created(created, prior)
    return _Submitted(done, changes)


def _validated(
    items: Sequence[Any],
    stored: dict[uuid.UUID, QuestionnaireResponse],
    results: list[ItemResult | None],
) -> list[tuple[int, dict[str, Any]]]:
    """The items valid in shape, by index; the others' results set (stored before: unchanged;
    refused: invalid)."""
    valid: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(items):
        client_id = client_id_of(raw)
        found = stored.get(client_id) if client_id is not None else None
        if found is not None:
            results[index] = ItemResult(ItemStatus.UNCHANGED, id=found.id, obj=found)
            continue
        validated, errors = validate_response_input(raw)
        if validated is None:
            results[index] = ItemResult(ItemStatus.INVALID, errors=errors)
            continue
        valid.append((index, validated))
    return valid


def _checked(
    data: dict[str, Any], instrument: Instrument | None, episode: Episode | None, day: dt.date
) -> tuple[dict[str, list[str]], dict[str, float | None]]:
    """The errors against the instrument and the episode (none: both were found), and the
    answers' weights."""
    errors, weights = check_response(data, instrument)
    if not errors and episode is None:
        errors = {"non_field_errors": [_("You have no episode to record this against.")]}
    elif not errors and episode is not None and day < episode.symptom_onset_date:
        errors = {"completed_at": [_("Cannot be before the episode's symptom onset.")]}
    return errors, weights


def _prior_scores(
    patient: Patient, episode: Episode, data: dict[str, Any], response_id: uuid.UUID
) -> PriorScores:
    """The single POST's one read before its write: the catalogue's token and the scores the
    new response's changes depend on, for the score codes this process knows the instrument
    version by (none the first time: the changes are then read after the write)."""
    known = cached_instrument((data["instrument"], data["instrument_version"]))
    return catalogue_and_prior_scores(
        episode_id=episode.pk,
        instrument=data["instrument"],
        scores=[definition.code for definition in known.scores.all()] if known else [],
        date=_local_date(data["completed_at"], patient.timezone),
        completed_at=data["completed_at"],
        response_id=response_id,
    )


def _changes_of_created(
    response: QuestionnaireResponse, prior: PriorScores
) -> dict[uuid.UUID, Change] | None:
    """The changes of a response just created, from the scores before it (None when one of
    its score codes was not asked for: the caller reads them)."""
    changes: dict[uuid.UUID, Change] = {}
    for written in response.scores.all():
        definition = written.definition
        if definition.code not in prior.by_score:
            return None
        baseline, previous = prior.by_score[definition.code]
        changes[written.id] = change_of(
            value=written.value,
            baseline=baseline,
            previous=previous,
            better=definition.better,
            mcid=definition.mcid,
            mdc=definition.mdc,
        )
    return changes


def _replays_of_refused(
    patient: Patient, items: Sequence[Any], results: list[ItemResult | None]
) -> None:
    """A refused item whose client_id was stored before is answered with the stored response,
    whatever its body (API.md: Idempotency), as when the stored client_ids are read first."""
    refused = {
        client_id_of(items[index]): index
        for index, result in enumerate(results)
        if result is not None and result.status == ItemStatus.INVALID
    }
    for client_id, found in _stored_by_client_id(patient, refused).items():
        index = refused[client_id]
        results[index] = ItemResult(ItemStatus.UNCHANGED, id=found.id, obj=found)


# --- Schedules and requests ------------------------------------------------------------------


def _knowninstruments_by_key(codes: set[str]) -> None:
    known = set(
        Instrument.objects.filter(code__in=codes, is_current=True).values_list("code", flat=True)
    )
    unknown = sorted(codes - known)
    if unknown:
        raise ValidationFailed(f"Unknown instrument: {', '.join(unknown)}.", field="rules")


def questionnaire_schedule_set(
    *, episode: Episode, by: User | None, rules: list[dict[str, Any]]
) -> QuestionnaireSchedule:
    """Replace the episode's schedule (the deployment's defaults no longer apply to it)."""
    _knowninstruments_by_key({rule["instrument"] for rule in rules})
    with transaction.atomic():
        schedule, _created = QuestionnaireSchedule.objects.update_or_create(
            episode=episode, defaults={"rules": rules, "set_by": by}
        )
    return schedule


def questionnaire_request_create(
    *, patient: Patient, by: User | None, instrument: str, expires_in_days: int | None = None
) -> QuestionnaireRequest:
    """Ask the patient once for ``instrument``: due from their local today."""
    found = (
        Instrument.objects.filter(code=instrument, is_current=True)
        .prefetch_related("wordings")
        .first()
    )
    if found is None:
        raise ValidationFailed("Unknown instrument.", field="instrument")
    if not found.wordings.all():
        raise ValidationFailed(
            "This instrument is not available in this deployment (no wording loaded).",
            field="instrument",
        )
    today = local_today(patient.timezone)
    days = expires_in_days or int(outcomes_setting("EXPIRY_DAYS"))
    return QuestionnaireRequest.objects.create(
        patient=patient,
        instrument_code=instrument,
        requested_on=today,
        expires_on=today + dt.timedelta(days=days),
        requested_by=by,
    )


# --- Re-scoring -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rescored:
    score_id: uuid.UUID
    response_id: uuid.UUID
    score: str
    old: float | None
    new: float | None
    old_version: int
    new_version: int


def scores_rescore(*, batch_size: int = 500, dry_run: bool = False) -> list[Rescored]:
    """Recompute every stored score from its answers with the current scoring code and its
    definition (e.g. after a fix, or a conversion table loaded with a licensed file); store
    and return each score whose value, reason or algorithm version changed. Deterministic:
    a second run changes nothing. Each changed episode gets a record change."""
    changed: list[Rescored] = []
    scores = Score.objects.select_related("definition__instrument", "response__episode").order_by(
        "id"
    )
    last = None
    while True:
        page = list((scores.filter(id__gt=last) if last else scores)[:batch_size])
        if not page:
            return changed
        last = page[-1].id
        weights: dict[uuid.UUID, dict[str, float | None]] = {}
        for response_id, link_id, weight in Answer.objects.filter(
            response_id__in={s.response_id for s in page}
        ).values_list("response_id", "item__link_id", "weight"):
            weights.setdefault(response_id, {})[link_id] = weight
        with transaction.atomic():
            episodes: dict[Any, tuple[Episode, set[dt.date]]] = {}
            for stored in page:
                outcome = score_definition(stored.definition, weights.get(stored.response_id, {}))
                version = ALGORITHM_VERSIONS[stored.definition.algorithm]
                if (outcome.value, outcome.reason, version) == (
                    stored.value,
                    stored.reason,
                    stored.algorithm_version,
                ):
                    continue
                changed.append(
                    Rescored(
                        stored.id,
                        stored.response_id,
                        stored.definition.code,
                        stored.value,
                        outcome.value,
                        stored.algorithm_version,
                        version,
                    )
                )
                if dry_run:
                    continue
                stored.value, stored.reason, stored.algorithm_version = (
                    outcome.value,
                    outcome.reason,
                    version,
                )
                stored.save(update_fields=["value", "reason", "algorithm_version"])
                episode = stored.response.episode
                episodes.setdefault(episode.pk, (episode, set()))[1].add(stored.response.date)
            for episode, dates in episodes.values():
                record_change_write(episode=episode, changed_dates=sorted(dates))
