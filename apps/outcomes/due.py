"""The reads behind ``me/questionnaires/`` and the questionnaire reminders: what is due for
many patients in a fixed number of queries (``schedules.due_questionnaires`` decides)."""

from __future__ import annotations

import datetime as dt
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable

from apps.accounts.models import Patient
from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.outcomes.conf import outcomes_setting
from apps.outcomes.models import (
    Instrument,
    QuestionnaireRequest,
    QuestionnaireResponse,
    QuestionnaireSchedule,
)
from apps.outcomes.schedules import Due, EpisodeFacts, RequestFacts, due_questionnaires


def _facts(episode: Episode, tz_name: str) -> EpisodeFacts:
    return EpisodeFacts(
        started_on=episode.created_at.astimezone(zoneinfo.ZoneInfo(tz_name)).date(),
        onset=episode.symptom_onset_date,
        resolved_on=episode.resolved_on if episode.status == "resolved" else None,
    )


def _current_episodes(patient_ids: list[uuid.UUID]) -> dict[uuid.UUID, Episode]:
    """Each patient's active episode, else their latest one."""
    chosen: dict[uuid.UUID, Episode] = {}
    for episode in Episode.objects.filter(patient_id__in=patient_ids).order_by("created_at"):
        current = chosen.get(episode.patient_id)
        if current is None or current.status != "active":
            chosen[episode.patient_id] = episode
    return chosen


def due_for_patients(patients: Iterable[Patient]) -> dict[uuid.UUID, list[Due]]:
    """Patient id → what is due on their local today. Five queries for any number."""
    patients = list(patients)
    ids = [patient.pk for patient in patients]
    episodes = _current_episodes(ids)
    overrides = dict(
        QuestionnaireSchedule.objects.filter(
            episode_id__in=[e.pk for e in episodes.values()]
        ).values_list("episode_id", "rules")
    )
    answered: dict[uuid.UUID, list[tuple[str, dt.date]]] = defaultdict(list)
    for patient_id, code, day in QuestionnaireResponse.objects.filter(
        patient_id__in=ids
    ).values_list("patient_id", "instrument__code", "date"):
        answered[patient_id].append((code, day))
    requests: dict[uuid.UUID, list[RequestFacts]] = defaultdict(list)
    for request in QuestionnaireRequest.objects.filter(patient_id__in=ids):
        requests[request.patient_id].append(
            RequestFacts(request.instrument_code, request.requested_on, request.expires_on)
        )
    available = frozenset(
        Instrument.objects.filter(is_current=True, wordings__isnull=False)
        .values_list("code", flat=True)
        .distinct()
    )
    defaults = outcomes_setting("SCHEDULE")
    expiry = int(outcomes_setting("EXPIRY_DAYS"))
    result = {}
    for patient in patients:
        episode = episodes.get(patient.pk)
        result[patient.pk] = due_questionnaires(
            rules=overrides.get(episode.pk, defaults) if episode else [],
            episode=_facts(episode, patient.timezone) if episode else None,
            today=local_today(patient.timezone),
            responses=answered[patient.pk],
            requests=requests[patient.pk],
            expiry_days=expiry,
            available=available,
        )
    return result


def due_for_patient(patient: Patient) -> list[Due]:
    return due_for_patients([patient])[patient.pk]
