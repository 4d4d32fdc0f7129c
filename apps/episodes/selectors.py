"""Reads of episodes, with the permission checks of apps.accounts.selectors."""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from apps.accounts.models import Patient, User
from apps.accounts.selectors import patients_visible_to
from apps.episodes.models import Episode, EpisodeStatus, RecordChange


def active_episode_for(patient: Patient) -> Episode | None:
    """The patient's one active episode, or None."""
    return (
        Episode.objects.filter(patient=patient, status=EpisodeStatus.ACTIVE)
        .select_related("patient")
        .first()
    )


def episodes_of_patient(patient: Patient) -> QuerySet[Episode]:
    """Every episode of ``patient``, newest onset first (the caller has checked access)."""
    return (
        Episode.objects.filter(patient=patient)
        .select_related("patient")
        .order_by("-symptom_onset_date", "-created_at", "id")
    )


def episodes_visible_to(user: User) -> QuerySet[Episode]:
    return Episode.objects.filter(patient__in=patients_visible_to(user)).select_related("patient")


def access_episode(user: User, episode_id: uuid.UUID | str) -> Episode:
    """The episode if ``user`` may see its patient; 404 otherwise (no existence leak)."""
    try:
        return episodes_visible_to(user).get(pk=episode_id)
    except (Episode.DoesNotExist, ValueError, TypeError, ValidationError) as error:
        raise Http404("No such episode.") from error


def oldest_pending_record_change() -> dt.datetime | None:
    """When the oldest record change still waiting for the flag engine was written (None when
    none waits): the outbox backlog, for `GET health/`. One indexed query."""
    return (
        RecordChange.objects.filter(processed_at__isnull=True)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )


def latest_processed_record_change() -> dt.datetime | None:
    """When the flag engine last finished a record change (None when none is kept): a sign
    of worker life for `GET health/`, read with the backlog. One indexed query."""
    return (
        RecordChange.objects.filter(processed_at__isnull=False)
        .order_by("-processed_at")
        .values_list("processed_at", flat=True)
        .first()
    )
