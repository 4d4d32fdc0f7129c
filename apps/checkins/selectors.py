"""Reads of check-ins, with the permission checks of apps.accounts.selectors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Max, Min, QuerySet
from django.http import Http404

from apps.accounts.models import User
from apps.accounts.selectors import patients_visible_to
from apps.checkins.models import CheckIn
from apps.episodes.models import Episode


def has_checkin_on(*, patient_id: uuid.UUID, date: dt.date) -> bool:
    """Whether the patient has a check-in for the local ``date`` (any episode)."""
    return CheckIn.objects.filter(patient_id=patient_id, date=date).exists()


def last_checkin_dates(patient_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dt.date]:
    """The latest check-in date of each patient that has one, in one query."""
    rows = (
        CheckIn.objects.filter(patient_id__in=list(patient_ids))
        .values("patient_id")
        .annotate(last=Max("date"))
        .values_list("patient_id", "last")
    )
    return dict(rows)


def first_checkin_date_of_episode(episode: Episode) -> dt.date | None:
    first: dt.date | None = CheckIn.objects.filter(episode=episode).aggregate(first=Min("date"))[
        "first"
    ]
    return first


def checkins_visible_to(user: User) -> QuerySet[CheckIn]:
    """Check-ins of the patients ``user`` may see (a patient: their own)."""
    return CheckIn.objects.filter(patient__in=patients_visible_to(user))


def access_checkin(user: User, checkin_id: uuid.UUID | str) -> CheckIn:
    """The check-in if ``user`` may see its patient; 404 otherwise (no existence leak)."""
    try:
        return checkins_visible_to(user).select_related("patient", "episode").get(pk=checkin_id)
    except (CheckIn.DoesNotExist, ValueError, TypeError, ValidationError) as error:
        raise Http404("No such check-in.") from error


def checkins_in_range(
    *, patient_id: uuid.UUID, date_from: dt.date, date_to: dt.date
) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(
        patient_id=patient_id, date__gte=date_from, date__lte=date_to
    ).order_by("date", "episode__created_at")


def checkins_of_episode(episode: Episode) -> QuerySet[CheckIn]:
    """The episode's check-ins, oldest date first."""
    return CheckIn.objects.filter(episode=episode).order_by("date")


def pain_by_date(
    *, episode_id: uuid.UUID, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, tuple[int, int]]:
    """Local date -> (pain_now, pain_worst_24h) of the episode's check-ins in the range (one
    query); the pain course a treatment's effect reads (apps.treatments.readers)."""
    rows = CheckIn.objects.filter(episode_id=episode_id, date__range=(date_from, date_to))
    return {
        day: (now, worst)
        for day, now, worst in rows.values_list("date", "pain_now", "pain_worst_24h")
    }
