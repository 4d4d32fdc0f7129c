"""Reads of episodes, with the permission checks of apps.accounts.selectors."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, F, JSONField, QuerySet, Subquery, Value, When
from django.db.models.expressions import OuterRef
from django.db.models.functions import JSONObject
from django.http import Http404
from django.utils.dateparse import parse_date, parse_datetime

from apps.accounts.models import Patient, User
from apps.accounts.selectors import patients_visible_to
from apps.episodes.models import Episode, EpisodeStatus, RecordChange


def active_episodes() -> QuerySet[Episode]:
    """Every active episode (at most one per patient: a constraint)."""
    return Episode.objects.filter(status=EpisodeStatus.ACTIVE)


def active_episode_for(patient: Patient) -> Episode | None:
    """The patient's one active episode, or None: the episode a new record attaches to."""
    return active_episodes().filter(patient=patient).select_related("patient").first()


# --- The active episode, read with the device token -------------------------------------------
# The busiest writes (a check-in, a questionnaire response) need the patient's active episode
# first thing: its fields ride on the device-token lookup (apps.accounts
# ``register_token_annotation``, registered in EpisodesConfig.ready), as one JSON object, so
# that the request reads it in the query that authenticated it. `active_episode_of_request`
# builds the Episode from it (the other fields deferred: read on first use), or reads it when
# the request was not authenticated by a device token (a session, a test's forced user).

#: The name of the token annotation (a JSON object, NULL when no episode is active).
ACTIVE_EPISODE = "episodes_active_episode"
# The fields carried (status and resolved_on are implied by "active": a constraint).
_CARRIED = ("id", "affected_side", "symptom_onset_date", "home_treatment_started_on", "created_at")


def active_episode_of_token_user() -> Subquery:
    """The token user's active episode's carried fields as a JSON object (NULL: none), as a
    subquery of the device-token lookup."""
    episodes = active_episodes().filter(patient__user_id=OuterRef("user_id"))
    return Subquery(
        episodes.values(episode=JSONObject(**{name: name for name in _CARRIED}))[:1],
        output_field=JSONField(),
    )


def _episode_of_values(patient: Patient, values: Mapping[str, Any]) -> Episode:
    created_at = parse_datetime(str(values["created_at"]))
    if created_at is None:
        raise ValueError("created_at")
    if created_at.tzinfo is None:  # SQLite's json_object: the stored UTC text, naive
        created_at = created_at.replace(tzinfo=dt.UTC)
    started = values["home_treatment_started_on"]
    known = {
        "id": uuid.UUID(str(values["id"])),
        "affected_side": values["affected_side"],
        "symptom_onset_date": parse_date(str(values["symptom_onset_date"])),
        "home_treatment_started_on": None if started is None else parse_date(str(started)),
        "created_at": created_at,
        "patient_id": patient.pk,
        "status": EpisodeStatus.ACTIVE,
        "resolved_on": None,
    }
    # from_db takes the loaded values in the model's field order; the rest are deferred.
    names = [f.attname for f in Episode._meta.concrete_fields if f.attname in known]
    episode = Episode.from_db("default", names, [known[name] for name in names])
    episode.patient = patient
    return episode


def active_episode_of_request(patient: Patient) -> Episode | None:
    """``active_episode_for(patient)``, from the device-token lookup when it carried it (read
    at the start of this request; no query), else read now."""
    user = Patient._meta.get_field("user").get_cached_value(patient, default=None)
    token_values = getattr(user, "token_values", None)
    if token_values is None or ACTIVE_EPISODE not in token_values:
        return active_episode_for(patient)
    values = token_values[ACTIVE_EPISODE]
    if values is None:
        return None
    if isinstance(values, str):  # a JSON text the backend did not decode
        values = json.loads(values)
    return _episode_of_values(patient, values)


# --- The current episode --------------------------------------------------------------------
# The patient's *current* episode, the one every summary and course page shows by default:
# the active one, else the latest by onset (then by creation). One definition in several forms
# that tests/episodes/test_current_episode.py holds together: an ordering (`current_first`),
# one patient's (`current_episode_for`), a correlated subquery for an annotation
# (`current_episode_subquery`, or `current_episode_values_subquery` for several fields as one
# JSON object), many patients' in one query (`current_episodes_by_patient`) and a pick among
# loaded episodes (`current_of`).


def current_first() -> list[Any]:
    """The ordering that puts a patient's current episode first."""
    return [
        Case(When(status=EpisodeStatus.ACTIVE, then=Value(0)), default=Value(1)),
        F("symptom_onset_date").desc(),
        F("created_at").desc(),
        "id",
    ]


def current_episode_for(patient: Patient) -> Episode | None:
    """The patient's current episode (the active one, else the latest), or None."""
    return (
        Episode.objects.filter(patient=patient)
        .select_related("patient")
        .order_by(*current_first())
        .first()
    )


def current_episode_subquery(field: str, *, patient: Any = None) -> Subquery:
    """A field of the current episode of the outer row's patient (default
    ``OuterRef("pk")``: the outer rows are patients), for an annotation."""
    return Subquery(_current_first_of(patient).values(field)[:1])


def _current_first_of(patient: Any) -> QuerySet[Episode]:
    """The outer row's patient's episodes, current first (default ``OuterRef("pk")``)."""
    outer = OuterRef("pk") if patient is None else patient
    return Episode.objects.filter(patient_id=outer).order_by(*current_first())


#: The fields `current_episode_values_subquery` carries.
CURRENT_CARRIED = ("id", "status", "affected_side", "symptom_onset_date", "resolved_on")


def current_episode_values_subquery(*, patient: Any = None) -> Subquery:
    """The `CURRENT_CARRIED` fields of the current episode of the outer row's patient as one
    JSON object (NULL: no episode), for an annotation: one subquery where
    `current_episode_subquery` needs one per field. `current_episode_of_values` reads it."""
    episodes = _current_first_of(patient)
    return Subquery(
        episodes.values(episode=JSONObject(**{name: name for name in CURRENT_CARRIED}))[:1],
        output_field=JSONField(),
    )


def current_episode_of_values(values: Mapping[str, Any] | str | None) -> dict[str, Any] | None:
    """`current_episode_values_subquery`'s JSON as Python values (an id, dates), as
    `current_episodes_by_patient` gives an episode's fields; None for no episode."""
    if values is None:
        return None
    fields: Mapping[str, Any] = json.loads(values) if isinstance(values, str) else values
    onset, resolved = fields["symptom_onset_date"], fields["resolved_on"]
    return {
        "id": uuid.UUID(str(fields["id"])),
        "status": fields["status"],
        "affected_side": fields["affected_side"],
        "symptom_onset_date": None if onset is None else parse_date(str(onset)),
        "resolved_on": None if resolved is None else parse_date(str(resolved)),
    }


def _current_key(episode: Episode | Mapping[str, Any]) -> tuple:
    if isinstance(episode, Mapping):
        status, onset, created = (episode[name] for name in _KEY_FIELDS)
    else:
        status, onset, created = (getattr(episode, name) for name in _KEY_FIELDS)
    return (status == EpisodeStatus.ACTIVE, onset, created)


_KEY_FIELDS = ("status", "symptom_onset_date", "created_at")


def _by_id(rows: Iterable[Any]) -> list[Any]:
    """In id order, so that ``max`` breaks a full tie as `current_first` does (lowest id)."""
    return sorted(rows, key=lambda row: str(row["id"] if isinstance(row, Mapping) else row.pk))


def current_of(episodes: Iterable[Episode]) -> Episode | None:
    """The current episode among one patient's loaded ``episodes`` (no query)."""
    return max(_by_id(episodes), key=_current_key, default=None)


def current_episodes_by_patient(
    patient_ids: Iterable[Any], *fields: str
) -> dict[Any, dict[str, Any]]:
    """Patient id → the ``fields`` (and id, patient_id, status, symptom_onset_date,
    created_at) of their current episode; patients without one are left out. One query."""
    names = dict.fromkeys(
        ("id", "patient_id", "status", "symptom_onset_date", "created_at", *fields)
    )
    current: dict[Any, dict[str, Any]] = {}
    rows = Episode.objects.filter(patient_id__in=list(patient_ids)).values(*names)
    for episode in _by_id(rows):
        best = current.get(episode["patient_id"])
        if best is None or _current_key(episode) > _current_key(best):
            current[episode["patient_id"]] = episode
    return current


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


def pending_record_changes(*, patient: Any) -> QuerySet[RecordChange]:
    """The record changes of ``patient``'s episodes not yet processed (``patient``: an id or
    an ``OuterRef``), for an ``Exists``: a read model refreshed when the outbox is processed
    (`record_changes_applied`) is behind its data while one of these exists. One probe of
    the pending-rows index per episode."""
    return RecordChange.objects.filter(episode__patient_id=patient, processed_at__isnull=True)
