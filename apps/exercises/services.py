"""Writes of exercise plans and sessions (API.md: Exercises).

Every accepted write calls ``apps.episodes.services.episode_record_changed`` inside its
transaction, which re-evaluates the episode's flags after commit. A refused write stores
nothing: validation happens before the transaction, and the transaction covers every row.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import ForeignKey, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Patient, User
from apps.core.batch import BatchPlan, in_order, insert_new_rows, read_stored, resolve_repeats
from apps.core.bounds import recorded_at_window
from apps.core.exceptions import Conflict, FieldErrors, ValidationFailed, flatten_errors
from apps.core.sync import (
    CORRECTION_WINDOW_DAYS,
    ItemResult,
    ItemShape,
    ItemStatus,
    correction_window_closed,
)
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.services import episode_record_changed
from apps.exercises.inputs import (
    ExerciseSessionCorrectionSerializer,
    ExerciseSessionInputSerializer,
    plain_session_values,
)
from apps.exercises.models import (
    DAYS_BACK_ALLOWED,
    ExercisePlan,
    ExerciseSession,
    PlanItem,
)
from apps.exercises.selectors import item_in_force_on

NOT_STORED = "This session could not be stored; send it again."

# --- Plans ----------------------------------------------------------------------------------


def plan_create(
    *,
    episode: Episode,
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
            _("This episode is resolved; reopen it before prescribing a plan."),
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
        raise ValidationFailed(_("Cannot be before starts_on."), field="ends_on")
    if not items:
        raise ValidationFailed(_("A plan needs at least one exercise."), field="items")
    for item in items:
        if item.get("reps") is None and item.get("hold_seconds") is None:
            raise ValidationFailed(_("Every item needs reps or hold_seconds."), field="items")

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

#: The shape of a session item, validated item after item by one serializer per process.
SESSION_SHAPE = ItemShape(ExerciseSessionInputSerializer)


def _validated(
    raw: Any, *, today: dt.date, oldest: dt.date, window: tuple[dt.datetime, dt.datetime]
) -> tuple[dict[str, Any] | None, FieldErrors | None]:
    """A new item's validated values, or the field errors that refuse it: its shape, then
    its date (not after the patient's local today, at most DAYS_BACK_ALLOWED days back)."""
    if not isinstance(raw, dict):
        return None, {"non_field_errors": ["Expected an object."]}
    data = plain_session_values(raw, window=window)
    if data is None:  # not in the plain form, or refused: the serializer words why
        data, errors = SESSION_SHAPE.validate(raw)
        if data is None:
            return None, errors
    if data["date"] > today:
        return None, {"date": ["Cannot be after your local today."]}
    if data["date"] < oldest:
        return None, {"date": [f"Cannot be more than {DAYS_BACK_ALLOWED} days back."]}
    return data, None


def _plan_item_errors(plan_item: PlanItem | None, data: dict[str, Any]) -> FieldErrors | None:
    """Why the session's plan item refuses it (not the patient's, not in force on its date)."""
    if plan_item is None:
        return {"plan_item": ["Not an item of your exercise plan."]}
    if not item_in_force_on(plan_item, data["date"]):
        return {"plan_item": [f"This plan item is not in force on {data['date'].isoformat()}."]}
    return None


#: The session's columns in the model's order: a batch builds its new sessions from their
#: values by position, which costs half what keyword arguments (each related object through
#: its descriptor) do; the related objects are then put in the rows' caches.
_SESSION_COLUMNS = [field.attname for field in ExerciseSession._meta.concrete_fields]
_SESSION_RELATED: list[ForeignKey[Any, Any]] = [
    ExerciseSession.patient.field,
    ExerciseSession.episode.field,
    ExerciseSession.plan_item.field,
]
_BY_POSITION: Any = ExerciseSession  # the model's own __init__(*values), as from_db calls it


def _new_session(
    patient: Patient, plan_item: PlanItem, data: dict[str, Any], *, received_at: dt.datetime
) -> ExerciseSession:
    """The session the values describe, not stored (its id is generated here); the sessions
    of one request are all received at its one instant (the field's default, taken once)."""
    episode = plan_item.plan.episode
    values = {
        "id": uuid.uuid4(),
        "patient_id": patient.pk,
        "episode_id": episode.pk,
        "plan_item_id": plan_item.pk,
        "client_id": data["client_id"],
        "date": data["date"],
        "sets_done": data["sets_done"],
        "pain_during": data.get("pain_during"),
        "recorded_at": data["recorded_at"],
        "received_at": received_at,
    }
    session: ExerciseSession = _BY_POSITION(*[values[name] for name in _SESSION_COLUMNS])
    for field, related in zip(_SESSION_RELATED, (patient, episode, plan_item), strict=True):
        field.set_cached_value(session, related)
    return session


def _candidates(
    items: Sequence[Any],
    client_ids: Sequence[uuid.UUID | None],
    stored: Mapping[uuid.UUID, ExerciseSession],
    *,
    today: dt.date,
    results: list[ItemResult | None],
) -> list[tuple[int, dict[str, Any]]]:
    """The items whose values validate (index, values); the others answered in ``results``:
    a stored client_id is ``unchanged``, refused values ``invalid``."""
    oldest = today - dt.timedelta(days=DAYS_BACK_ALLOWED)
    window = recorded_at_window(DAYS_BACK_ALLOWED)  # as of the batch's start
    candidates: list[tuple[int, dict[str, Any]]] = []
    for index, raw in enumerate(items):
        client_id = client_ids[index]
        session = stored.get(client_id) if client_id is not None else None
        if session is not None:
            results[index] = ItemResult(ItemStatus.UNCHANGED, id=session.id, obj=session)
            continue
        data, errors = _validated(raw, today=today, oldest=oldest, window=window)
        if data is None:
            results[index] = ItemResult(ItemStatus.INVALID, errors=errors)
            continue
        candidates.append((index, data))
    return candidates


def _plan_rows(
    patient: Patient,
    candidates: list[tuple[int, dict[str, Any]]],
    results: list[ItemResult | None],
) -> BatchPlan[ExerciseSession]:
    """The new sessions by index (by client_id, first occurrence wins), after one read of
    the plan items they reference; a session its plan item refuses is ``invalid``."""
    plan_items = {
        item.id: item
        for item in PlanItem.objects.filter(
            id__in={data["plan_item"] for _, data in candidates},
            plan__episode__patient=patient,
        ).select_related("plan__episode")
    }
    plan: BatchPlan[ExerciseSession] = BatchPlan()
    received_at = timezone.now()
    for index, data in candidates:
        if plan.repeats_client_id(index, data["client_id"]):
            continue
        plan_item = plan_items.get(data["plan_item"])
        errors = _plan_item_errors(plan_item, data)
        if errors is not None or plan_item is None:
            results[index] = ItemResult(ItemStatus.INVALID, errors=errors)
            continue
        plan.add(index, _new_session(patient, plan_item, data, received_at=received_at))
    return plan


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
    own = ExerciseSession.objects.filter(patient=patient).select_related("plan_item")
    client_ids, stored = read_stored(own, items)
    today = local_today(patient.timezone)
    candidates = _candidates(items, client_ids, stored, today=today, results=results)
    plan = _plan_rows(patient, candidates, results)

    # A concurrent request may store the same client_id first: the unique constraint
    # decides, and the read-back tells ours (created) from theirs (unchanged).
    outcomes = insert_new_rows(queryset=own, rows=plan.new_rows, record_created=_record_created)
    for index, outcome in outcomes.items():
        row = outcome.stored
        results[index] = ItemResult(outcome.status, id=row.id if row is not None else None, obj=row)
    resolve_repeats(results, plan.repeats, not_stored=NOT_STORED)
    return in_order(results)


def _record_created(sessions: list[ExerciseSession]) -> None:
    """The record change of each episode the created sessions belong to."""
    changed: dict[Any, tuple[Any, set[dt.date]]] = {}
    for session in sessions:
        changed.setdefault(session.episode.pk, (session.episode, set()))[1].add(session.date)
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
            (
                _("A session can be corrected for %(days)d days after its date.")
                if action == "corrected"
                else _("A session can be deleted for %(days)d days after its date.")
            )
            % {"days": CORRECTION_WINDOW_DAYS},
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
        raise ValidationFailed(_("Send an object with the fields to correct."))
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
