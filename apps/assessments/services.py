"""Writes of assessments (API.md: Clinic assessments). Takes validated values (inputs.py);
every accepted write records the episode's change in the same transaction
(apps.episodes.services.episode_record_changed), so the flag engine re-evaluates from its date."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.assessments.models import Assessment
from apps.core.exceptions import ValidationFailed
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.episodes.services import episode_record_changed


def stored_assessment(*, episode: Episode, client_id: Any) -> Assessment | None:
    """The assessment the patient already has under ``client_id`` (a replay), if any."""
    try:
        key = uuid.UUID(str(client_id))
    except (TypeError, ValueError, AttributeError):
        return None
    return Assessment.objects.filter(patient_id=episode.patient_id, client_id=key).first()


def assessment_record(
    *, episode: Episode, by: User | None, values: dict[str, Any]
) -> tuple[Assessment, bool]:
    """Store one assessment; ``(assessment, created)``. A ``client_id`` already stored (or
    stored concurrently: the unique index decides) returns the stored row, ``created`` False,
    and changes nothing. The date must lie between the episode's onset and the patient's
    local today."""
    date = values["date"]
    if date > local_today(episode.patient.timezone):
        raise ValidationFailed("Cannot be after the patient's local today.", field="date")
    if date < episode.symptom_onset_date:
        raise ValidationFailed(
            "Cannot be before the episode's symptom onset "
            f"({episode.symptom_onset_date.isoformat()}).",
            field="date",
        )
    candidate = Assessment(
        id=uuid.uuid4(),
        patient_id=episode.patient_id,
        episode=episode,
        client_id=values["client_id"],
        date=date,
        test=values["test"],
        side=values.get("side") or "",
        movement=values.get("movement") or "",
        value=values["value"],
        method=values.get("method") or "",
        aid=values.get("aid") or "",
        notes=values.get("notes") or "",
        recorded_by=by,
    )
    with transaction.atomic():
        Assessment.objects.bulk_create([candidate], ignore_conflicts=True)
        stored = Assessment.objects.get(
            patient_id=episode.patient_id, client_id=candidate.client_id
        )
        created = stored.pk == candidate.pk
        if created:
            episode_record_changed(episode=episode, changed_dates=[date])
    return stored, created
