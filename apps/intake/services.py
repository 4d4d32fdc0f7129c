"""The phone's composite writes, at the top of the layers: each calls a record app's service
with the flag engine's advice passed in (``advise``), so that the advice is computed before
the INSERT and stored in the same row, while apps.checkins never imports apps.flags.

- a check-in (POST checkins/): ``checkin_submit``; its correction (PATCH): ``checkin_correct``;
- `POST sync/`: ``sync_all`` (in one transaction: ``sync_submit``, the check-ins then the
  exercise sessions, and ``questionnaire_responses_sync``);
- what a refusal by the consent gate still carries: ``advice_for_values``,
  ``advice_for_many_values``, ``correction_advice`` (storing nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from apps.accounts.models import Patient
from apps.checkins import services as checkins
from apps.checkins.models import CheckIn
from apps.core.sync import ItemResult
from apps.exercises.services import exercise_sessions_submit_many
from apps.flags import services as flags  # read at call time: tests patch checkin_advice
from apps.outcomes.services import questionnaire_responses_submit_many


def checkin_submit(*, patient: Patient, data: Any) -> ItemResult:
    """One check-in with its advice (``apps.checkins.services.checkin_submit``)."""
    return checkins.checkin_submit(patient=patient, data=data, advise=flags.checkin_advice)


def checkins_submit_many(*, patient: Patient, items: Sequence[Any]) -> list[ItemResult]:
    """The check-ins of a batch, each with its advice (fixed query count)."""
    return checkins.checkins_submit_many(patient=patient, items=items, advise=flags.checkin_advice)


def checkin_correct(*, checkin: CheckIn, data: Any) -> tuple[CheckIn, list[dict[str, Any]]]:
    """A check-in corrected, with the advice it now meets."""
    return checkins.checkin_correct(checkin=checkin, data=data, advise=flags.checkin_advice)


def sync_submit(
    *, patient: Patient, checkin_items: Sequence[Any], session_items: Sequence[Any]
) -> tuple[list[ItemResult], list[ItemResult]]:
    """`POST sync/` (its envelope validated): the check-ins, then the exercise sessions, each
    item answered as its own POST would be, in request order."""
    checkin_results = checkins_submit_many(patient=patient, items=checkin_items)
    session_results: list[ItemResult] = []
    if session_items:
        session_results = exercise_sessions_submit_many(patient=patient, items=session_items)
    return checkin_results, session_results


def sync_all(
    *,
    patient: Patient,
    checkin_items: Sequence[Any],
    session_items: Sequence[Any],
    response_items: Sequence[Any],
) -> tuple[list[ItemResult], list[ItemResult], list[ItemResult]]:
    """`POST sync/` (its envelope validated): ``sync_submit`` then
    ``questionnaire_responses_sync``, in ONE transaction, so the request commits once (each
    kind's rows still commit with their record-change row; a failure stores nothing). Each
    item is answered as its own POST would be, in request order."""
    with transaction.atomic():
        checkins, sessions = sync_submit(
            patient=patient, checkin_items=checkin_items, session_items=session_items
        )
        responses = questionnaire_responses_sync(patient=patient, items=response_items)
    return checkins, sessions, responses


def questionnaire_responses_sync(*, patient: Patient, items: Sequence[Any]) -> list[ItemResult]:
    """The questionnaire responses of `POST sync/` (after the check-ins and sessions), each
    as its own POST would be (apps.outcomes' batch, fixed query count)."""
    return questionnaire_responses_submit_many(patient=patient, items=items) if items else []


def advice_for_values(*, patient: Patient, data: Any) -> list[dict[str, Any]] | None:
    """The advice a check-in body meets, storing nothing; None if it does not validate."""
    return checkins.advice_for_values(patient=patient, data=data, advise=flags.checkin_advice)


def advice_for_many_values(*, patient: Patient, items: Sequence[Any]) -> list[dict[str, Any]]:
    """Per check-in item of a batch, ``{"advice"}`` or ``{"errors"}``, storing nothing."""
    return checkins.advice_for_many_values(
        patient=patient, items=items, advise=flags.checkin_advice
    )


def correction_advice(*, checkin: CheckIn, data: Any) -> list[dict[str, Any]] | None:
    """The advice a PATCH body would give the check-in, storing nothing."""
    return checkins.correction_advice(checkin=checkin, data=data, advise=flags.checkin_advice)
