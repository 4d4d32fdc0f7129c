"""Writes of exercise plans and sessions (API.md: Exercises).

Every accepted write calls ``apps.episodes.services.episode_record_changed`` inside its
transaction, which re-evaluates the episode's flags after commit. A refused write stores
nothing: validation happens before the transaction, and the transaction covers every row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max, Q

from apps.accounts.models import Patient, User
from apps.core.exceptions import Conflict, ValidationFailed, flatten_errors
from apps.core.sync import (
    CORRECTION_WINDOW_DAYS,
    ItemResult,
    ItemStatus,
    client_id_of,
    correction_window_closed,
)
from apps.core.timezones import local_today
from apps.episodes.services import episode_record_changed
from apps.exercises.inputs import (
    ExerciseSessionCorrectionSerializer,
    ExerciseSessionInputSerializer,
)
from apps.exercises.models import (
    DAYS_BACK_ALLOWED,
    ExercisePlan,
    ExerciseSession,
    PlanItem,
)
from apps.exercises.selectors import item_in_force_on

# --- Plans ----------------------------------------------------------------------------------


def plan_create(
    *,
    episode: Any,
    by: User | None,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
    items: Sequence[dict[str, Any]],
) -> ExercisePlan:
    """Prescribe a plan for ``episode``; it supersedes whatever was in force from
    ``starts_on`` on.

    ``items`` are dicts with ``exercise`` (an Exercise of the library), ``sets``, ``reps``
    and/or ``hold_seconds``, ``days_per_week`` (as validated by PlanInputSerializer).

    History is kept: a previous plan is never edited beyond its ``effective_ends_on`` (cut to
    the day before ``starts_on``) and ``superseded_by``. A plan that had not started yet by
    then is cut before its start, so it is never in force. The care team may backdate a plan
    (a plan handed over on paper) up to 30 days, but never over sessions the patient already
    logged against the plan it would cut: that would silently change what those sessions
    count for, so it is a 409 naming the earliest start date that is possible.
    """
    patient = episode.patient
    if not episode.is_active:
        raise ValidationFailed(
            "This episode is resolved; reopen it before prescribing a plan.",
            code="episode_resolved",
        )
    today = local_today(patient.timezone)
    if starts_on < episode.symptom_onset_date:
        raise ValidationFailed(
            "A plan cannot start before the episode's symptom onset date "
            f"({episode.symptom_onset_date.isoformat()}).",
            field="starts_on",
        )
    if starts_on < today - dt.timedelta(days=DAYS_BACK_ALLOWED):
        raise ValidationFailed(
            f"A plan can start at most {DAYS_BACK_ALLOWED} days before today.", field="starts_on"
        )
    if ends_on is not None and ends_on < starts_on:
        raise ValidationFailed("Cannot be before starts_on.", field="ends_on")
    if not items:
        raise ValidationFailed("A plan needs at least one exercise.", field="items")
    for item in items:
        if item.get("reps") is None and item.get("hold_seconds") is None:
            raise ValidationFailed("Every item needs reps or hold_seconds.", field="items")

    with transaction.atomic():
        # Serialise plan changes per episode: two concurrent prescriptions must not both
        # see "no plan after starts_on" and leave two plans in force.
        type(episode).objects.select_for_update().filter(pk=episode.pk).first()
        cut = ExercisePlan.objects.filter(episode=episode).filter(
            Q(effective_ends_on__isnull=True) | Q(effective_ends_on__gte=starts_on)
        )
        last_logged = ExerciseSession.objects.filter(
            plan_item__plan__in=cut, date__gte=starts_on
        ).aggregate(last=Max("date"))["last"]
        if last_logged is not None:
            earliest = last_logged + dt.timedelta(days=1)
            raise Conflict(
                "The patient has logged sessions against the current plan up to "
                f"{last_logged.isoformat()}; start the new plan on {earliest.isoformat()} "
                "or later.",
                field="starts_on",
                code="sessions_logged",
                extra={"earliest_starts_on": earliest.isoformat()},
            )
        plan = ExercisePlan.objects.create(
            episode=episode,
            starts_on=starts_on,
            ends_on=ends_on,
            effective_ends_on=ends_on,
            prescribed_by=by,
        )
        PlanItem.objects.bulk_create(
            [
                PlanItem(
                    plan=plan,
                    exercise=item["exercise"],
                    position=position,
                    sets=item["sets"],
                    reps=item.get("reps"),
                    hold_seconds=item.get("hold_seconds"),
                    days_per_week=item["days_per_week"],
                )
                for position, item in enumerate(items)
            ]
        )
        cut.exclude(pk=plan.pk).update(
            effective_ends_on=starts_on - dt.timedelta(days=1), superseded_by=plan
        )
        # What was prescribed changed on every date from starts_on to today (none yet when
        # the plan starts in the future).
        changed = [
            starts_on + dt.timedelta(days=offset)
            for offset in range(max((today - starts_on).days + 1, 0))
        ]
        episode_record_changed(episode=episode, changed_dates=changed)
    return plan


# --- Sessions -------------------------------------------------------------------------------


def exercise_sessions_submit_many(*, patient: Patient, items: Sequence[Any]) -> list[ItemResult]:
    """Store the sessions a patient's phone sent, each handled as its own POST would be.

    Returns one ItemResult per item, in request order: ``created``; ``unchanged`` for a
    ``client_id`` already stored (or sent earlier in the same batch), whatever else the item
    says; ``invalid`` with field errors (nothing stored). Sessions have no natural key other
    than ``client_id`` (several sessions a day are fine), so ``conflict`` never occurs.

    A fixed number of queries whatever the batch size: stored client_ids, the referenced plan
    items, one bulk insert, one read-back.
    """
    results: list[ItemResult | None] = [None] * len(items)
    client_ids = {cid for cid in map(client_id_of, items) if cid is not None}
    stored = {
        session.client_id: session
        for session in ExerciseSession.objects.filter(
            patient=patient, client_id__in=client_ids
        ).select_related("plan_item")
    }
    today = local_today(patient.timezone)
    candidates: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(items):
        answer = _session_answer_or_values(raw, stored, today)
        if isinstance(answer, ItemResult):
            results[index] = answer
        else:
            candidates.append((index, answer))

    plan_items = {
        item.id: item
        for item in PlanItem.objects.filter(
            id__in={data["plan_item"] for _, data in candidates},
            plan__episode__patient=patient,
        ).select_related("plan__episode")
    }
    to_create: dict[uuid.UUID, ExerciseSession] = {}  # by client_id, first occurrence wins
    pending: list[tuple[int, uuid.UUID]] = []
    for index, data in candidates:
        if data["client_id"] not in to_create:
            refusal = _plan_item_refusal(plan_items.get(data["plan_item"]), data["date"])
            if refusal is not None:
                results[index] = refusal
                continue
            to_create[data["client_id"]] = _unsaved_session(
                patient, plan_items[data["plan_item"]], data
            )
        pending.append((index, data["client_id"]))

    if to_create:
        _store_sessions(patient, to_create, pending, results)
    return [result for result in results if result is not None]


def _session_answer_or_values(
    raw: Any, stored: dict[Any, ExerciseSession], today: dt.date
) -> ItemResult | dict[str, Any]:
    """The answer of an item already stored or invalid; else its validated values."""
    client_id = client_id_of(raw)
    if client_id in stored:
        session = stored[client_id]
        return ItemResult(ItemStatus.UNCHANGED, id=session.id, obj=session)
    if not isinstance(raw, dict):
        return ItemResult(ItemStatus.INVALID, errors={"non_field_errors": ["Expected an object."]})
    serializer = ExerciseSessionInputSerializer(data=raw)
    if not serializer.is_valid():
        return ItemResult(ItemStatus.INVALID, errors=flatten_errors(serializer.errors))
    data = serializer.validated_data
    if data["date"] > today:
        return ItemResult(
            ItemStatus.INVALID, errors={"date": ["Cannot be after your local today."]}
        )
    if data["date"] < today - dt.timedelta(days=DAYS_BACK_ALLOWED):
        return ItemResult(
            ItemStatus.INVALID,
            errors={"date": [f"Cannot be more than {DAYS_BACK_ALLOWED} days back."]},
        )
    return data


def _plan_item_refusal(plan_item: PlanItem | None, date: dt.date) -> ItemResult | None:
    """Why a session of ``plan_item`` on ``date`` is refused, if it is."""
    if plan_item is None:
        return ItemResult(
            ItemStatus.INVALID, errors={"plan_item": ["Not an item of your exercise plan."]}
        )
    if not item_in_force_on(plan_item, date):
        return ItemResult(
            ItemStatus.INVALID,
            errors={"plan_item": [f"This plan item is not in force on {date.isoformat()}."]},
        )
    return None


def _unsaved_session(
    patient: Patient, plan_item: PlanItem, data: dict[str, Any]
) -> ExerciseSession:
    return ExerciseSession(
        id=uuid.uuid4(),
        patient=patient,
        episode=plan_item.plan.episode,
        plan_item=plan_item,
        client_id=data["client_id"],
        date=data["date"],
        sets_done=data["sets_done"],
        pain_during=data.get("pain_during"),
        recorded_at=data["recorded_at"],
    )


def _store_sessions(
    patient: Patient,
    to_create: dict[uuid.UUID, ExerciseSession],
    pending: list[tuple[int, uuid.UUID]],
    results: list[ItemResult | None],
) -> None:
    """Insert the new sessions and answer each pending item from the read-back."""
    with transaction.atomic():
        # A concurrent request may store the same client_id first: the unique constraint
        # decides, and the read-back tells ours (created) from theirs (unchanged).
        ExerciseSession.objects.bulk_create(to_create.values(), ignore_conflicts=True)
        saved = {
            session.client_id: session
            for session in ExerciseSession.objects.filter(
                patient=patient, client_id__in=to_create.keys()
            ).select_related("plan_item")
        }
        reported: set[uuid.UUID] = set()
        changed: dict[Any, tuple[Any, set[dt.date]]] = {}
        for index, client_id in pending:
            session = saved[client_id]
            ours = session.id == to_create[client_id].id and client_id not in reported
            reported.add(client_id)
            status = ItemStatus.CREATED if ours else ItemStatus.UNCHANGED
            results[index] = ItemResult(status, id=session.id, obj=session)
            if ours:
                episode = to_create[client_id].episode
                changed.setdefault(episode.pk, (episode, set()))[1].add(session.date)
        for episode, dates in changed.values():
            episode_record_changed(episode=episode, changed_dates=sorted(dates))


def exercise_session_submit(*, patient: Patient, data: Any) -> ItemResult:
    """One session (``POST exercise-sessions/``): the single-item form of the batch."""
    return exercise_sessions_submit_many(patient=patient, items=[data])[0]


# --- Corrections (PATCH / DELETE exercise-sessions/{id}/) ------------------------------------

#: What a correction may not change: the session's identity and what it counts for.
SESSION_FIXED_FIELDS = ("client_id", "date", "plan_item")


def _window_open_or_refuse(session: ExerciseSession, action: str) -> None:
    """Corrections are allowed while the session's date is at most CORRECTION_WINDOW_DAYS
    before the patient's local today (as for check-ins)."""
    today = local_today(session.patient.timezone)
    if correction_window_closed(date=session.date, today=today):
        raise ValidationFailed(
            f"A session can be {action} for {CORRECTION_WINDOW_DAYS} days after its date.",
            field="date",
            code="correction_window_closed",
        )


def _locked(session: ExerciseSession) -> ExerciseSession:
    """The stored row, locked for this transaction; 404 if it was deleted meanwhile."""
    from rest_framework.exceptions import NotFound

    stored = (
        ExerciseSession.objects.select_for_update(of=("self",))
        .select_related("patient", "episode")
        .filter(pk=session.pk)
        .first()
    )
    if stored is None:
        raise NotFound("No such exercise session.")
    return stored


def exercise_session_correct(*, session: ExerciseSession, data: Any) -> ExerciseSession:
    """PATCH: correct ``sets_done`` and/or ``pain_during`` of a session within
    CORRECTION_WINDOW_DAYS of its date (the patient's local calendar). ``client_id``,
    ``date`` and ``plan_item`` identify the session and what it counts for: sending another
    value is a 400 under that field. Values are validated as for the POST. A correction that
    changes nothing stores nothing (and re-evaluates nothing)."""
    from rest_framework.exceptions import ValidationError

    if not isinstance(data, dict):
        raise ValidationFailed("Send an object with the fields to correct.")
    errors: dict[str, list[str]] = {}
    for name in SESSION_FIXED_FIELDS:
        current = getattr(session, f"{name}_id" if name == "plan_item" else name)
        if name in data and str(data[name]) != str(current):
            errors[name] = ["Cannot be changed; delete the session and log a new one."]
    serializer = ExerciseSessionCorrectionSerializer(data=data, partial=True)
    if not serializer.is_valid():
        errors |= flatten_errors(serializer.errors)
    if errors:
        raise ValidationError(errors)
    _window_open_or_refuse(session, "corrected")
    values = serializer.validated_data
    with transaction.atomic():
        stored = _locked(session)
        changed = [name for name, value in values.items() if getattr(stored, name) != value]
        if changed:
            for name in changed:
                setattr(stored, name, values[name])
            stored.save(update_fields=changed)
            episode_record_changed(episode=stored.episode, changed_dates=[stored.date])
    return stored


def exercise_session_delete(*, session: ExerciseSession) -> None:
    """DELETE: remove a session logged by mistake, within CORRECTION_WINDOW_DAYS of its date.
    The session stops counting for adherence; deleting it again is a 404 (it is gone)."""
    _window_open_or_refuse(session, "deleted")
    with transaction.atomic():
        stored = _locked(session)
        stored.delete()
        episode_record_changed(episode=stored.episode, changed_dates=[stored.date])
