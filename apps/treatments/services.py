"""Writes of treatments and imaging (API.md: Treatments and imaging). Take validated values
(inputs.py); every accepted write records the episode's change in the same transaction, so the
flag engine re-evaluates from the first date it touches."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.exceptions import Conflict, ValidationFailed
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.services import episode_record_changed
from apps.treatments.models import ImagingStudy, Treatment, TreatmentKind

PWB = TreatmentKind.PROTECTED_WEIGHT_BEARING


def _client_key(client_id: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        return None


def stored_treatment(*, episode: Episode, client_id: Any) -> Treatment | None:
    key = _client_key(client_id)
    if key is None:
        return None
    return Treatment.objects.filter(patient_id=episode.patient_id, client_id=key).first()


def stored_imaging(*, episode: Episode, client_id: Any) -> ImagingStudy | None:
    key = _client_key(client_id)
    if key is None:
        return None
    return ImagingStudy.objects.filter(patient_id=episode.patient_id, client_id=key).first()


def _after_onset(episode: Episode, day: dt.date, field: str) -> None:
    if day < episode.symptom_onset_date:
        raise ValidationFailed(
            "Cannot be before the episode's symptom onset "
            f"({episode.symptom_onset_date.isoformat()}).",
            field=field,
        )


def _insert_once(model: type[Model], candidate: Model, episode: Episode) -> tuple[Any, bool]:
    """Insert unless the (patient, client_id) is stored (the unique index decides between
    concurrent requests); the stored row and whether it is ours."""
    model._default_manager.bulk_create([candidate], ignore_conflicts=True)
    stored = model._default_manager.get(
        patient_id=episode.patient_id,
        client_id=candidate.client_id,  # type: ignore[attr-defined]
    )
    return stored, stored.pk == candidate.pk


def _days_to_today(start: dt.date, episode: Episode) -> list[dt.date]:
    today = local_today(episode.patient.timezone)
    return [start + dt.timedelta(days=n) for n in range(max((today - start).days + 1, 0))] or [
        start
    ]


def _follow_previous_phase(episode: Episode, starts_on: dt.date) -> None:
    """A new weight-bearing phase ends the one in force the day before it starts. A phase
    that starts on or after the new one's start is a 409 (end or correct it first)."""
    phases = Treatment.objects.filter(episode=episode, kind=PWB)
    later = phases.filter(starts_on__gte=starts_on).order_by("starts_on").first()
    if later is not None:
        raise Conflict(
            f"A weight-bearing phase starts on {later.starts_on.isoformat()} already; a new "
            "phase must start after the last one.",
            field="starts_on",
            code="phase_overlap",
            extra={"id": str(later.pk)},
        )
    phases.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on)).update(
        ends_on=starts_on - dt.timedelta(days=1), updated_at=timezone.now()
    )


def treatment_record(
    *, episode: Episode, by: User | None, values: dict[str, Any]
) -> tuple[Treatment, bool]:
    """Store one treatment; ``(treatment, created)``; a stored ``client_id`` returns the stored
    row unchanged. A bisphosphonate dose ends on its own date. Delivery only for
    pregnancy-associated episodes."""
    kind, starts_on = values["kind"], values["starts_on"]
    _after_onset(episode, starts_on, "starts_on")
    if kind == TreatmentKind.DELIVERY and not episode.pregnancy_associated:
        raise ValidationFailed("Delivery applies to pregnancy-associated episodes.", field="kind")
    ends_on = starts_on if kind == TreatmentKind.BISPHOSPHONATE else values.get("ends_on")
    candidate = Treatment(
        id=uuid.uuid4(),
        patient_id=episode.patient_id,
        episode=episode,
        client_id=values["client_id"],
        kind=kind,
        starts_on=starts_on,
        ends_on=ends_on,
        detail=values.get("detail") or {},
        recorded_by=by,
    )
    with transaction.atomic():
        # Serialise the episode's phases: two concurrent phases must not both end the same one.
        Episode.objects.select_for_update().filter(pk=episode.pk).first()
        replay = stored_treatment(episode=episode, client_id=candidate.client_id)
        if replay is not None:
            return replay, False
        if kind == PWB:
            _follow_previous_phase(episode, starts_on)
        stored, created = _insert_once(Treatment, candidate, episode)
        if created:
            episode_record_changed(
                episode=episode, changed_dates=_days_to_today(starts_on, episode)
            )
    return stored, created


def treatment_end(*, treatment: Treatment, ends_on: dt.date) -> Treatment:
    """PATCH: end a treatment on ``ends_on`` (or move its end). Not before its start; a
    weight-bearing phase not into the next phase; a bisphosphonate dose ends on its date."""
    if ends_on < treatment.starts_on:
        raise ValidationFailed("Cannot be before starts_on.", field="ends_on")
    if treatment.kind == TreatmentKind.BISPHOSPHONATE and ends_on != treatment.starts_on:
        raise ValidationFailed(
            "A bisphosphonate is one record per dose: it ends on its own date.", field="ends_on"
        )
    with transaction.atomic():
        Episode.objects.select_for_update().filter(pk=treatment.episode_id).first()
        stored = Treatment.objects.select_related("episode__patient").get(pk=treatment.pk)
        if stored.kind == PWB:
            following = (
                Treatment.objects.filter(
                    episode_id=stored.episode_id, kind=PWB, starts_on__gt=stored.starts_on
                )
                .order_by("starts_on")
                .first()
            )
            if following is not None and ends_on >= following.starts_on:
                raise ValidationFailed(
                    f"The next phase starts on {following.starts_on.isoformat()}: end before it.",
                    field="ends_on",
                )
        if stored.ends_on != ends_on:
            earliest = min(ends_on, stored.ends_on or ends_on)
            stored.ends_on = ends_on
            stored.save(update_fields=["ends_on", "updated_at"])
            episode_record_changed(
                episode=stored.episode, changed_dates=_days_to_today(earliest, stored.episode)
            )
    return stored


def imaging_record(
    *, episode: Episode, by: User | None, values: dict[str, Any]
) -> tuple[ImagingStudy, bool]:
    """Store one imaging result with its structured findings and report."""
    date = values["date"]
    _after_onset(episode, date, "date")
    if date > local_today(episode.patient.timezone):
        raise ValidationFailed("Cannot be after the patient's local today.", field="date")
    findings = values.get("findings") or {}
    candidate = ImagingStudy(
        id=uuid.uuid4(),
        patient_id=episode.patient_id,
        episode=episode,
        client_id=values["client_id"],
        date=date,
        modality=values["modality"],
        side=values.get("side") or "",
        bone_marrow_edema=findings.get("bone_marrow_edema") or "",
        fracture_line=findings.get("fracture_line"),
        t_score=findings.get("t_score"),
        z_score=findings.get("z_score"),
        report=values.get("report") or "",
        recorded_by=by,
    )
    with transaction.atomic():
        stored, created = _insert_once(ImagingStudy, candidate, episode)
        if created:
            episode_record_changed(episode=episode, changed_dates=[date])
    return stored, created
