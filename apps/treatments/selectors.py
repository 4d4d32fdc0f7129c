"""Reads of treatments and imaging: lists, what is in force on each date, the effects and the
chart's bands and markers. Fixed query counts whatever the number of records."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from apps.core.timezones import local_today
from apps.episodes.models import Episode
from apps.treatments.effects import Effect, pain_span, treatment_effect
from apps.treatments.models import ImagingStudy, Treatment, TreatmentKind
from apps.treatments.readers import has_pain_reader, pain_of_episode


def treatments_of_episode(episode: Episode) -> QuerySet[Treatment]:
    return Treatment.objects.filter(episode=episode).order_by("-starts_on", "-created_at", "-id")


def imaging_of_episode(episode: Episode) -> QuerySet[ImagingStudy]:
    return ImagingStudy.objects.filter(episode=episode).order_by("-date", "-created_at", "-id")


def treatment_of_episode(episode: Episode, treatment_id: uuid.UUID | str) -> Treatment:
    treatment = (
        Treatment.objects.select_related("episode__patient")
        .filter(episode=episode, pk=treatment_id)
        .first()
    )
    if treatment is None:
        raise Http404("No such treatment.")
    return treatment


def effects_for(episode: Episode, treatments: Sequence[Treatment]) -> dict[uuid.UUID, Effect]:
    """The effect of each treatment (apps.treatments.effects), from one read of the episode's
    pain course (the registered reader)."""
    today = local_today(episode.patient.timezone)
    span = pain_span([t.starts_on for t in treatments], today)
    if span is None:
        return {}
    pain = pain_of_episode(episode_id=episode.pk, date_from=span[0], date_to=span[1])
    return {
        t.pk: treatment_effect(starts_on=t.starts_on, today=today, pain=pain) for t in treatments
    }


def pain_reader_missing() -> bool:
    return not has_pain_reader()


@dataclass(frozen=True)
class TreatmentSpan:
    """A treatment as plain data (flag snapshot, timeline, charts)."""

    id: uuid.UUID
    kind: str
    starts_on: dt.date
    ends_on: dt.date | None
    detail: dict

    def in_force_on(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


def treatment_spans_by_episode(
    episode_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, list[TreatmentSpan]]:
    """Every treatment of the given episodes, oldest start first. One query."""
    found: dict[uuid.UUID, list[TreatmentSpan]] = defaultdict(list)
    rows = (
        Treatment.objects.filter(episode_id__in=list(episode_ids))
        .order_by("starts_on", "created_at", "id")
        .values_list("episode_id", "id", "kind", "starts_on", "ends_on", "detail")
    )
    for episode_id, *values in rows:
        found[episode_id].append(TreatmentSpan(*values))
    return dict(found)


def treatments_in_force_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[Treatment]]:
    """Local date -> the treatments in force on it (every date of the range is a key). One
    query."""
    rows = list(
        Treatment.objects.filter(episode=episode, starts_on__lte=date_to)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=date_from))
        .order_by("starts_on", "created_at", "id")
    )
    days = [date_from + dt.timedelta(days=n) for n in range((date_to - date_from).days + 1)]
    return {day: [t for t in rows if t.is_in_force_on(day)] for day in days}


def imaging_by_date(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[ImagingStudy]]:
    """Local date -> the imaging studies of that date. One query."""
    found: dict[dt.date, list[ImagingStudy]] = defaultdict(list)
    for study in ImagingStudy.objects.filter(
        episode=episode, date__range=(date_from, date_to)
    ).order_by("date", "created_at", "id"):
        found[study.date].append(study)
    return dict(found)


Band = tuple[dt.date, dt.date | None, str, str]
Marker = tuple[dt.date, str, str]


def _label(span: TreatmentSpan) -> str:
    detail = span.detail or {}
    if span.kind == TreatmentKind.PROTECTED_WEIGHT_BEARING:
        return f"Weight bearing: {detail.get('level', '?')}"
    if span.kind == TreatmentKind.BISPHOSPHONATE:
        dose = f" {detail['dose']}" if detail.get("dose") else ""
        return f"{detail.get('drug', 'bisphosphonate')}{dose}"
    return TreatmentKind(span.kind).label


def chart_bands_and_markers(
    episode: Episode,
    *,
    treatments: Sequence[Treatment] | None = None,
    imaging: Sequence[ImagingStudy] | None = None,
) -> tuple[list[Band], list[Marker]]:
    """For the dashboard's pain chart: bands ``(start, end, kind, label)`` of treatments in
    force over days (end None: still in force) and markers ``(date, kind, label)`` for single
    doses and imaging. Two queries (none for what the caller already read)."""
    bands: list[Band] = []
    markers: list[Marker] = []
    if treatments is None:
        spans = treatment_spans_by_episode([episode.pk]).get(episode.pk, [])
    else:
        spans = [
            TreatmentSpan(t.pk, t.kind, t.starts_on, t.ends_on, t.detail)
            for t in sorted(treatments, key=lambda t: (t.starts_on, t.created_at))
        ]
    if imaging is None:
        imaging = list(ImagingStudy.objects.filter(episode=episode).order_by("date", "id"))
    for span in spans:
        if span.kind == TreatmentKind.BISPHOSPHONATE or span.ends_on == span.starts_on:
            markers.append((span.starts_on, span.kind, _label(span)))
        else:
            bands.append((span.starts_on, span.ends_on, span.kind, _label(span)))
    for study in imaging:
        label = study.get_modality_display()
        if study.bone_marrow_edema:
            label += f": oedema {study.bone_marrow_edema}"
        markers.append((study.date, f"imaging_{study.modality}", label))
    return bands, sorted(markers)
