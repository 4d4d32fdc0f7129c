"""Writes of episodes, and the one hook every accepted write of the clinical record calls."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import Patient, User
from apps.core.exceptions import Conflict, ValidationFailed
from apps.core.timezones import local_today
from apps.episodes.models import Episode, EpisodeStatus, RecordChange
from apps.episodes.readers import earliest_record_of
from apps.episodes.record_changes import record_change_with_statement, record_change_write
from apps.episodes.selectors import active_episodes

EDITABLE_FIELDS = (
    "affected_side",
    "symptom_onset_date",
    "diagnosis_date",
    "diagnosis_method",
    "pregnancy_associated",
    "home_treatment_started_on",
)


def episode_record_changed(*, episode: Episode, changed_dates: Iterable[dt.date]) -> None:
    """Hook called for EVERY accepted write to an episode's record, INSIDE the writer's
    transaction: it writes the episode's record-change row (`RecordChange`, the outbox), so
    the row commits with the data or not at all.

    Callers: check-in create (single and `POST sync/`) and PATCH, exercise sessions and plans
    (apps.exercises), episode create and PATCH. ``changed_dates`` are the patient's local
    dates whose data changed (a late check-in counts on its own date); the row keeps the
    earliest. It is empty when the change is about the episode as a whole (e.g. its onset or
    status): the row's ``from_date`` is then null, and the episode's latest date with data is
    what needs evaluating.

    The flag engine (apps.flags) claims the row (`flags.process_record_changes`: kicked after
    commit, and by a beat tick every minute) and evaluates from that date through the
    patient's local today. Nothing here imports apps.flags: the kick is registered by it
    (apps.episodes.record_changes).
    """
    record_change_write(episode=episode, changed_dates=changed_dates)


def episode_write_statement(
    insert: tuple[str, Sequence[Any]], *, episode: Episode, changed_dates: Iterable[dt.date]
) -> AbstractContextManager[RecordChange | None]:
    """A write that is one INSERT statement (``insert``: SQL and parameters), run on entering
    with its change row: on PostgreSQL in the same statement (no transaction round trips),
    elsewhere in one transaction (`apps.episodes.record_changes.record_change_with_statement`;
    IntegrityError on entering when a unique index refuses it, nothing written). The writer
    then calls `episode_record_changed` as after any accepted write, which finds the row
    written and schedules the kick. The busiest write, the check-in POST, uses it::

        with episode_write_statement(insert, episode=episode, changed_dates=dates):
            episode_record_changed(episode=episode, changed_dates=dates)
    """
    return record_change_with_statement(insert, episode=episode, changed_dates=changed_dates)


def _dates_error(*, patient: Patient, values: dict[str, Any]) -> None:
    """Refuse episode dates that contradict each other or lie in the patient's future."""
    today = local_today(patient.timezone)
    onset = values["symptom_onset_date"]
    if onset > today:
        raise ValidationFailed(
            _("The symptom onset date cannot be after today."), field="symptom_onset_date"
        )
    diagnosis_date = values.get("diagnosis_date")
    if diagnosis_date is not None:
        if diagnosis_date < onset:
            raise ValidationFailed(
                _("The diagnosis date cannot be before the symptom onset date."),
                field="diagnosis_date",
            )
        if diagnosis_date > today:
            raise ValidationFailed(
                _("The diagnosis date cannot be after today."), field="diagnosis_date"
            )
    started_on = values.get("home_treatment_started_on")
    if started_on is not None and started_on < onset:
        raise ValidationFailed(
            _("Home treatment cannot start before the symptom onset date."),
            field="home_treatment_started_on",
        )
    resolved_on = values.get("resolved_on")
    if resolved_on is not None:
        if resolved_on < onset:
            raise ValidationFailed(
                _("The resolution date cannot be before the symptom onset date."),
                field="resolved_on",
            )
        if resolved_on > today:
            raise ValidationFailed(
                _("The resolution date cannot be after today."), field="resolved_on"
            )


def _active_conflict(patient: Patient, *, excluding: Episode | None = None) -> Conflict | None:
    others = active_episodes().filter(patient=patient)
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    existing = others.values_list("id", flat=True).first()
    if existing is None:
        return None
    return Conflict(
        _("This patient already has an active episode; resolve it first."),
        code="active_episode_exists",
        extra={"id": str(existing)},
    )


def episode_create(
    *, patient: Patient, by: User | None, data: dict[str, Any]
) -> tuple[Episode, bool]:
    """Open a new active episode for ``patient``. Returns (episode, created).

    A repeated ``client_id`` returns the stored episode with created=False. A second active
    episode is a Conflict (409) carrying the existing one's id; the partial unique constraint
    decides under concurrency, not the read before it."""
    client_id = data.get("client_id")
    if client_id is not None:
        stored = Episode.objects.filter(patient=patient, client_id=client_id).first()
        if stored is not None:
            return stored, False
    values = {field: data[field] for field in EDITABLE_FIELDS if field in data}
    values.setdefault("diagnosis_method", "")
    _dates_error(patient=patient, values=values)
    with transaction.atomic():
        try:
            with transaction.atomic():
                episode = Episode.objects.create(
                    patient=patient, client_id=client_id, created_by=by, **values
                )
        except IntegrityError:
            if client_id is not None:
                stored = Episode.objects.filter(patient=patient, client_id=client_id).first()
                if stored is not None:
                    return stored, False
            conflict = _active_conflict(patient)
            if conflict is not None:
                raise conflict from None
            raise
        episode_record_changed(episode=episode, changed_dates=[])
    return episode, True


def episode_update(*, episode: Episode, data: dict[str, Any]) -> Episode:
    """Correct an episode's fields, resolve it (``status`` resolved + ``resolved_on``) or
    reopen it (``status`` active; 409 if the patient has another active episode)."""
    patient = episode.patient
    values = {field: getattr(episode, field) for field in (*EDITABLE_FIELDS, "resolved_on")}
    values.update({field: data[field] for field in EDITABLE_FIELDS if field in data})
    status = data.get("status", episode.status)
    if status == EpisodeStatus.RESOLVED:
        resolved_on = data.get("resolved_on", episode.resolved_on)
        if resolved_on is None:
            raise ValidationFailed(
                _("A resolution date is required to resolve an episode."), field="resolved_on"
            )
        values["resolved_on"] = resolved_on
    else:
        if data.get("resolved_on") is not None:
            raise ValidationFailed(
                _("Only a resolved episode has a resolution date."), field="resolved_on"
            )
        values["resolved_on"] = None
    _dates_error(patient=patient, values=values)

    # The first check-in (apps.checkins registers the reader; apps.episodes imports it not).
    earliest = earliest_record_of(episode)
    if earliest is not None and values["symptom_onset_date"] > earliest.date:
        raise ValidationFailed(
            _("The episode has %(noun)s on %(date)s, before this onset date.")
            % {"noun": earliest.noun, "date": earliest.date.isoformat()},
            field="symptom_onset_date",
        )

    with transaction.atomic():
        if status == EpisodeStatus.ACTIVE and episode.status != EpisodeStatus.ACTIVE:
            conflict = _active_conflict(patient, excluding=episode)
            if conflict is not None:
                raise conflict
        for field, value in values.items():
            setattr(episode, field, value)
        episode.status = status
        try:
            with transaction.atomic():
                episode.save()
        except IntegrityError:
            # Another episode became active between our check and the save.
            conflict = _active_conflict(patient, excluding=episode)
            if conflict is not None:
                raise conflict from None
            raise
        episode_record_changed(episode=episode, changed_dates=[])
    return episode
