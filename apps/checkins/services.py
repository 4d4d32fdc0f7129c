"""Writes of check-ins: the single POST, the PATCH correction and the `POST sync/` batch.

The emergency and urgent advice an answer carries (and a new row stores) comes from the flag
engine, a higher layer: every write here takes it as an ``advise`` callable, passed in from
the top by the composite that calls it (apps.intake passes
``apps.flags.services.checkin_advice``), so apps.checkins never imports apps.flags.

Idempotency and "one per date" are decided by the database's unique constraints
(patient, client_id) and (episode, date), never by a read followed by a write: reads only
pick the answer once the database has refused or accepted the row. Every accepted write calls
`episode_record_changed` inside its transaction, so its record-change row commits with it.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Patient
from apps.checkins.inputs import CheckInCorrectionSerializer, CheckInInputSerializer
from apps.checkins.models import DAYS_BACK_ALLOWED, CheckIn
from apps.core.batch import (
    BatchPlan,
    NaturalKey,
    Outcome,
    in_order,
    insert_new_rows,
    read_stored,
    resolve_repeats,
)
from apps.core.exceptions import NON_FIELD, FieldErrors, ValidationFailed, flatten_errors
from apps.core.statements import orm_insert
from apps.core.sync import (
    CORRECTION_WINDOW_DAYS,
    ItemResult,
    ItemShape,
    ItemStatus,
    client_id_of,
    correction_window_closed,
)
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.selectors import active_episode_for, active_episode_of_request
from apps.episodes.services import episode_record_changed, episode_write_statement


class Advise(Protocol):
    """The flag engine's advice for check-ins stored or not (``checkin_advice``): each one's
    emergency and urgent advice by its id, evaluated on its episode's stored check-ins with
    ``alongside`` (about to be stored with it) in place."""

    def __call__(
        self, *, checkins: Iterable[CheckIn], alongside: Iterable[CheckIn] = ()
    ) -> dict[uuid.UUID, list[dict[str, Any]]]: ...


NO_ACTIVE_EPISODE = gettext_lazy("There is no active episode to attach this check-in to.")
NOT_STORED = gettext_lazy("This check-in could not be stored; send it again.")


def _date_errors(
    *, date: dt.date, episode: Episode, today: dt.date, tz_name: str
) -> dict[str, list[str]]:
    """The date rules of API.md, on the patient's local calendar (plain date arithmetic, so a
    daylight-saving change never moves a boundary)."""
    if date > today:
        return {
            "date": [
                _("Cannot be after today (%(today)s in %(zone)s).")
                % {"today": today.isoformat(), "zone": tz_name}
            ]
        }
    if (today - date).days > DAYS_BACK_ALLOWED:
        return {"date": [_("Cannot be more than %(days)d days ago.") % {"days": DAYS_BACK_ALLOWED}]}
    if date < episode.symptom_onset_date:
        return {
            "date": [
                _("Cannot be before the episode's symptom onset (%(onset)s).")
                % {"onset": episode.symptom_onset_date.isoformat()}
            ]
        }
    return {}


#: The shape of a check-in, validated item after item by one serializer per process (the
#: single POST, `POST sync/` and the advice of a refused batch): building one per request (a
#: deep copy of its 16 fields) cost the single POST more than the validation itself.
CHECKIN_SHAPE = ItemShape(CheckInInputSerializer)


def _validate(
    raw: Any, *, patient: Patient, episode: Episode | None, today: dt.date
) -> tuple[dict[str, Any] | None, FieldErrors | None]:
    """Validated values for a new check-in, and the field errors that refuse it (if any).

    The values come back (with the errors) when only the episode or the date rules refused
    them: a refused check-in still carries the advice its values meet (API.md)."""
    values, shape_errors = CHECKIN_SHAPE.validate(raw)
    if values is None:
        return None, shape_errors
    values.setdefault("notes", "")
    if episode is None:
        return values, {NON_FIELD: [NO_ACTIVE_EPISODE]}
    errors = _date_errors(
        date=values["date"], episode=episode, today=today, tz_name=patient.timezone
    )
    return values, errors or None


def _advice(
    advise: Advise, checkins: Sequence[CheckIn], *, alongside: Sequence[CheckIn] = ()
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Emergency and urgent advice for check-ins stored or not (about to be inserted, or
    refused), in one call to ``advise`` (the flag engine's, passed in from the top)."""
    if not checkins:
        return {}
    if alongside:
        return advise(checkins=checkins, alongside=alongside)
    return advise(checkins=checkins)


def _unsaved(patient: Patient, episode: Episode | None, values: Mapping[str, Any]) -> CheckIn:
    """The check-in the values describe, not stored (its id is generated here)."""
    return CheckIn(id=uuid.uuid4(), patient=patient, episode=episode, **values)


def _stored_advice(stored: CheckIn, advise: Advise) -> list[dict[str, Any]]:
    """What the first answer of a stored check-in carried: its recorded advice; for a row
    stored before advice was recorded, the advice recomputed for it (docs/record.md)."""
    if stored.advice is not None:
        return list(stored.advice)
    return _advice(advise, [stored]).get(stored.id, [])


def replayed(stored: CheckIn, advise: Advise) -> ItemResult:
    """The answer to a repeated client_id: the stored check-in with its first answer's advice."""
    return ItemResult(
        ItemStatus.UNCHANGED, id=stored.id, advice=_stored_advice(stored, advise), obj=stored
    )


def advice_for_values(
    *, patient: Patient, data: Any, advise: Advise
) -> list[dict[str, Any]] | None:
    """The advice a check-in body meets without storing anything (consent withdrawn: the
    gate refuses the write, the body still carries the advice); None if the values do not
    validate. Evaluated on the active episode's stored check-ins (none: on its own values)."""
    values, _errors = _validate(
        data,
        patient=patient,
        episode=None,
        today=local_today(patient.timezone),
    )
    if values is None:
        return None
    row = _unsaved(patient, active_episode_of_request(patient), values)
    return _advice(advise, [row])[row.id]


def advice_for_many_values(
    *, patient: Patient, items: Sequence[Any], advise: Advise
) -> list[dict[str, Any]]:
    """`sync/` with consent withdrawn: for each item in order, ``{"advice": [...]}`` when its
    values validate (each evaluated as its own refused POST would be), else ``{"errors"}``."""
    episode = active_episode_for(patient)
    today = local_today(patient.timezone)
    rows: list[CheckIn | None] = []
    entries: list[dict[str, Any]] = []
    for raw in items:
        values, errors = _validate(raw, patient=patient, episode=None, today=today)
        rows.append(None if values is None else _unsaved(patient, episode, values))
        entries.append({} if values is not None else {"errors": errors})
    advice = _advice(advise, [row for row in rows if row is not None])
    for row, entry in zip(rows, entries, strict=True):
        if row is not None:
            entry["advice"] = advice[row.id]
    return entries


def _insert_checkin(**values: Any) -> CheckIn:
    """The check-in and its record-change row, committed together, no read (the busiest write
    of the API): on PostgreSQL one statement (`episode_write_statement`: a data-modifying
    CTE, no BEGIN/COMMIT), elsewhere one transaction of two INSERTs. A refusal by a unique
    index (IntegrityError) writes neither; inside a caller's transaction it is a savepoint,
    which leaves that transaction usable."""
    checkin = CheckIn(**values)
    episode, dates = values["episode"], [checkin.date]
    with episode_write_statement(orm_insert(checkin), episode=episode, changed_dates=dates):
        episode_record_changed(episode=episode, changed_dates=dates)  # only the kick is left
    checkin._state.adding = False
    checkin._state.db = connection.alias
    return checkin


def checkin_submit(*, patient: Patient, data: Any, advise: Advise) -> ItemResult:
    """Store one check-in sent by ``patient``: created (201, with advice), unchanged (the
    same client_id was stored before: 200 with the stored one and the advice its first answer
    carried, whatever the body), conflict (another client_id holds the date: 409 with its id)
    or invalid (400, nothing stored). Conflict and invalid carry the advice of the sent values
    when they validated (only the date or the episode refused them)."""
    # Read with the device token when it authenticated the request (no query).
    episode = active_episode_of_request(patient)
    values, errors = _validate(
        data, patient=patient, episode=episode, today=local_today(patient.timezone)
    )
    if errors:
        # A retry of a stored check-in is answered with it even if its body would not pass
        # now (e.g. the episode has since been closed). A valid retry needs no read here: the
        # INSERT below is refused by the (patient, client_id) index and answered the same way.
        client_id = client_id_of(data)
        if client_id is not None:
            stored = CheckIn.objects.filter(patient=patient, client_id=client_id).first()
            if stored is not None:
                return replayed(stored, advise)
        advice = None
        if values is not None:
            row = _unsaved(patient, episode, values)
            advice = _advice(advise, [row])[row.id]
        return ItemResult(ItemStatus.INVALID, errors=errors, advice=advice)
    assert episode is not None  # noqa: S101 - _validate guarantees it
    assert values is not None  # noqa: S101

    # The advice is computed before the INSERT, from the values and the stored rule window,
    # so that it is stored in the same row: a replay answers exactly this.
    row = _unsaved(patient, episode, values)
    advice = _advice(advise, [row])[row.id]
    try:
        checkin = _insert_checkin(patient=patient, episode=episode, advice=advice, **values)
    except IntegrityError:
        # A concurrent request (or an earlier one we did not see) got there first: the
        # constraint decided; now read which one it was.
        stored = CheckIn.objects.filter(patient=patient, client_id=values["client_id"]).first()
        if stored is not None:
            return replayed(stored, advise)
        holder = CheckIn.objects.filter(episode=episode, date=values["date"]).first()
        if holder is not None:
            return ItemResult(ItemStatus.CONFLICT, id=holder.id, advice=advice, obj=holder)
        raise
    return ItemResult(ItemStatus.CREATED, id=checkin.id, advice=list(advice), obj=checkin)


@dataclasses.dataclass
class _Batch:
    """The items of one `POST sync/` sorted by what answers them (`_Batch.sort`): a stored
    client_id (replayed, or ``legacy`` when its advice was never recorded), a repeat within
    the batch, refused values (``refused_rows``: invalid, or a repeated date), or a new row of
    ``plan``. ``results`` holds the answers known so far, by index."""

    patient: Patient
    episode: Episode | None
    today: dt.date
    results: list[ItemResult | None]
    plan: BatchPlan[CheckIn] = dataclasses.field(default_factory=BatchPlan)
    # index -> unsaved row of validated values refused
    refused_rows: dict[int, CheckIn] = dataclasses.field(default_factory=dict)
    # index -> stored row whose advice was never recorded
    legacy: dict[int, CheckIn] = dataclasses.field(default_factory=dict)

    def sort(
        self, index: int, client_id: uuid.UUID | None, stored: CheckIn | None, advise: Advise
    ) -> bool:
        """Sort item ``index`` by its client_id; False when it is new (to be validated)."""
        if stored is not None:
            if stored.advice is None:
                self.legacy[index] = stored
            else:
                self.results[index] = replayed(stored, advise)
            return True
        return self.plan.repeats_client_id(index, client_id)

    def sort_new(self, index: int, raw: Any) -> None:
        """Validate a new item: refused (invalid, or its date repeated) or a planned row."""
        values, errors = _validate(
            raw, patient=self.patient, episode=self.episode, today=self.today
        )
        if errors:
            if values is not None:
                self.refused_rows[index] = _unsaved(self.patient, self.episode, values)
            self.results[index] = ItemResult(ItemStatus.INVALID, errors=errors)
            return
        assert values is not None  # noqa: S101
        if self.plan.repeats_key(index, values["date"]):
            self.refused_rows[index] = _unsaved(self.patient, self.episode, values)
            return
        self.plan.add(index, _unsaved(self.patient, self.episode, values), key=values["date"])

    def advise_all(self, advise: Advise) -> dict[uuid.UUID, list[dict[str, Any]]]:
        """Advice before the INSERT, in one call: each new row on the stored window with the
        rest of the batch in place, so that it is stored with its row; refused values and old
        rows whose advice was never recorded are answered from the same call."""
        new_rows = self.plan.new_rows
        advice = _advice(
            advise,
            [*new_rows.values(), *self.refused_rows.values(), *self.legacy.values()],
            alongside=list(new_rows.values()),
        )
        for index, stored in self.legacy.items():
            self.results[index] = ItemResult(
                ItemStatus.UNCHANGED, id=stored.id, advice=advice[stored.id], obj=stored
            )
        for index, row in self.refused_rows.items():
            result = self.results[index]
            if result is not None:  # invalid: the date or the episode refused the values
                self.results[index] = ItemResult(
                    result.status, errors=result.errors, advice=advice[row.id]
                )
        for row in new_rows.values():
            row.advice = advice[row.id]
        return advice

    def insert(self) -> None:
        """One INSERT ... ON CONFLICT of the new rows (with their advice), and their answers."""
        new_rows, episode = self.plan.new_rows, self.episode
        if not new_rows:
            return
        assert episode is not None  # noqa: S101
        outcomes = insert_new_rows(
            queryset=CheckIn.objects.filter(patient=self.patient),
            rows=new_rows,
            natural_key=NaturalKey("date", CheckIn.objects.filter(episode=episode)),
            record_created=lambda created: episode_record_changed(
                episode=episode, changed_dates=sorted(row.date for row in created)
            ),
        )
        for index, outcome in outcomes.items():
            self.results[index] = _batch_result(new_rows[index], outcome)


def checkins_submit_many(
    *, patient: Patient, items: Sequence[Any], advise: Advise
) -> list[ItemResult]:
    """`POST sync/` for check-ins: each item gets the result its own POST would get, in
    order, as if the items had been sent one after another (apps.core.batch, the machinery
    every batch of client-id items shares).

    A fixed number of queries whatever the batch size: one read of stored client_ids, one of
    the episode, one of the dates already taken, one bulk INSERT ... ON CONFLICT DO NOTHING,
    one re-read to learn which rows are ours (primary keys are generated here, so a row
    holding our client_id but another id was inserted concurrently by someone else)."""
    results: list[ItemResult | None] = [None] * len(items)
    client_ids, stored_by_client_id = read_stored(CheckIn.objects.filter(patient=patient), items)
    episode = active_episode_for(patient)
    batch = _Batch(patient, episode, local_today(patient.timezone), results)
    for index, raw in enumerate(items):
        client_id = client_ids[index]
        stored = stored_by_client_id.get(client_id) if client_id is not None else None
        if not batch.sort(index, client_id, stored, advise):
            batch.sort_new(index, raw)
    advice = batch.advise_all(advise)
    batch.insert()
    resolve_repeats(
        results,
        batch.plan.repeats,
        not_stored=NOT_STORED,
        own_advice={
            index: advice[batch.refused_rows[index].id]
            for index, (kind, _) in batch.plan.repeats.items()
            if kind == "key"
        },
    )
    return in_order(results)


def _batch_result(row: CheckIn, outcome: Outcome[CheckIn]) -> ItemResult:
    """A new row's answer: the advice it was sent with, except when another request stored
    the same client_id first with its own recorded advice."""
    sent = list(row.advice or [])
    stored = outcome.stored
    if outcome.status == ItemStatus.INVALID or stored is None:
        return ItemResult(ItemStatus.INVALID, errors={NON_FIELD: [NOT_STORED]}, advice=sent)
    if outcome.status == ItemStatus.UNCHANGED and stored.advice is not None:
        return ItemResult(outcome.status, id=stored.id, advice=list(stored.advice), obj=stored)
    return ItemResult(outcome.status, id=stored.id, advice=sent, obj=stored)


CORRECTABLE_FIELDS = tuple(CheckInCorrectionSerializer().fields)


def checkin_correct(
    *, checkin: CheckIn, data: Any, advise: Advise
) -> tuple[CheckIn, list[dict[str, Any]]]:
    """PATCH: correct a check-in's values within 7 days of its date (the patient's local
    today). ``client_id`` and ``date`` identify it and cannot change.

    Returns the corrected check-in and the emergency and urgent advice it now meets, computed
    in the request. The stored ``advice`` stays what the first answer carried (a replay of
    the client_id answers that, API.md: Idempotency). A correction refused only by its window
    still carries the advice of the corrected values (400 with ``advice``)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise ValidationFailed(_("Send an object with the fields to correct."))
    for field in ("client_id", "date"):
        if field in data and str(data[field]) != str(getattr(checkin, field)):
            errors[field] = [_("Cannot be changed; send a new check-in for another date.")]
    serializer = CheckInCorrectionSerializer(data=data, partial=True)
    if not serializer.is_valid():
        errors |= flatten_errors(serializer.errors)
    if errors:
        from rest_framework.exceptions import ValidationError

        raise ValidationError(errors)
    values = serializer.validated_data
    today = local_today(checkin.patient.timezone)
    if correction_window_closed(date=checkin.date, today=today):
        raise ValidationFailed(
            _("A check-in can be corrected for %(days)d days after its date.")
            % {"days": CORRECTION_WINDOW_DAYS},
            field="date",
            code="correction_window_closed",
            extra={"advice": _advice(advise, [corrected_copy(checkin, values)])[checkin.id]},
        )
    with transaction.atomic():
        _apply_correction(checkin, values)
        checkin.save(update_fields=[*values.keys(), "updated_at"])
        episode_record_changed(episode=checkin.episode, changed_dates=[checkin.date])
    return checkin, _advice(advise, [checkin])[checkin.id]


def _apply_correction(checkin: CheckIn, values: Mapping[str, Any]) -> CheckIn:
    """Set the corrected values on ``checkin`` (a cleared note is stored as "")."""
    for field, value in values.items():
        setattr(checkin, field, "" if field == "notes" and value is None else value)
    return checkin


def corrected_copy(checkin: CheckIn, values: Mapping[str, Any]) -> CheckIn:
    """The check-in as ``values`` would correct it, not stored: the same values the PATCH
    stores, so the advice of a refused correction describes what it would have stored."""
    return _apply_correction(copy.copy(checkin), values)


def correction_advice(
    *, checkin: CheckIn, data: Any, advise: Advise
) -> list[dict[str, Any]] | None:
    """The advice a PATCH body would give the check-in, storing nothing (consent withdrawn:
    the gate refuses the correction, the body still carries it); None if it does not
    validate."""
    if not isinstance(data, Mapping):
        return None
    serializer = CheckInCorrectionSerializer(data=data, partial=True)
    if not serializer.is_valid():
        return None
    return _advice(advise, [corrected_copy(checkin, serializer.validated_data)])[checkin.id]
