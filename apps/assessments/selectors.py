"""Reads of assessments, each with its change from the previous comparable one (same test,
side and movement, earlier date; on the same date the one recorded before)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict

from django.db.models import F, QuerySet, Window
from django.db.models.functions import Lag

from apps.assessments.catalogue import definition
from apps.assessments.models import Assessment
from apps.episodes.models import Episode

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class _Previous(TypedDict):
    previous_value: Decimal | None
    previous_date: dt.date | None


if TYPE_CHECKING:
    #: An assessment annotated with its previous comparable value and date (``_with_previous``).
    AssessmentWithPrevious = WithAnnotations[Assessment, _Previous]


def _with_previous(queryset: QuerySet[Assessment]) -> QuerySet[AssessmentWithPrevious]:
    """Each row annotated with ``previous_value`` and ``previous_date`` of its comparable
    predecessor (one query, a window function over the episode's rows)."""
    partition = [F("episode_id"), F("test"), F("side"), F("movement")]
    order = [F("date").asc(), F("created_at").asc(), F("id").asc()]
    return queryset.annotate(
        previous_value=Window(Lag("value"), partition_by=partition, order_by=order),
        previous_date=Window(Lag("date"), partition_by=partition, order_by=order),
    )


def assessments_of_episode(
    episode: Episode, *, test: str | None = None
) -> QuerySet[AssessmentWithPrevious]:
    """The episode's assessments, newest first, with their previous comparable value. The
    ``test`` filter keeps whole partitions, so the predecessor is the same with or without it."""
    rows = Assessment.objects.filter(episode=episode)
    if test:
        rows = rows.filter(test=test)
    return _with_previous(rows).order_by("-date", "-created_at", "-id")


def assessment_with_previous(assessment_id: uuid.UUID) -> AssessmentWithPrevious:
    """One stored assessment with its previous comparable value (the POST's answer)."""
    rows = _with_previous(
        Assessment.objects.filter(
            episode_id=Assessment.objects.filter(pk=assessment_id).values("episode_id")[:1]
        )
    )
    return next(row for row in rows if row.pk == assessment_id)


@dataclass(frozen=True)
class Change:
    change_from_previous: Decimal | None
    beyond_mdc: bool | None  # None: no previous, or the test has no MDC
    worse: bool | None
    mdc: Decimal | None
    mdc_source: str


def change_of(*, test: str, value: Decimal, previous_value: Decimal | None) -> Change:
    """The change from the previous comparable value, and whether it exceeds the test's MDC
    (a pure function; ``worse`` follows the test's better direction)."""
    spec = definition(test)
    if previous_value is None:
        return Change(None, None, None, spec.mdc, spec.mdc_source)
    change = Decimal(value) - Decimal(previous_value)
    worse = change > 0 if spec.better == "lower" else change < 0
    beyond = None if spec.mdc is None else abs(change) > spec.mdc
    return Change(change, beyond, worse if change != 0 else False, spec.mdc, spec.mdc_source)


@dataclass(frozen=True)
class AssessmentPoint:
    """An assessment as plain data (flag snapshot, timeline, charts)."""

    id: uuid.UUID
    date: dt.date
    test: str
    side: str
    movement: str
    value: Decimal
    method: str
    previous_value: Decimal | None
    previous_date: dt.date | None


def assessment_points_by_episode(
    episode_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, list[AssessmentPoint]]:
    """Every assessment of the given episodes with its predecessor, oldest first. One query
    whatever the number of episodes or assessments."""
    rows = (
        _with_previous(Assessment.objects.filter(episode_id__in=list(episode_ids)))
        .order_by("date", "created_at", "id")
        .values_list(
            "episode_id",
            "id",
            "date",
            "test",
            "side",
            "movement",
            "value",
            "method",
            "previous_value",
            "previous_date",
        )
    )
    found: dict[uuid.UUID, list[AssessmentPoint]] = defaultdict(list)
    for episode_id, pk, date, test, side, movement, value, method, previous, since in rows:
        found[episode_id].append(
            AssessmentPoint(pk, date, test, side, movement, value, method, previous, since)
        )
    return dict(found)


def assessments_in_range(
    *, episode: Episode, date_from: dt.date, date_to: dt.date
) -> dict[dt.date, list[AssessmentPoint]]:
    """Local date -> the episode's assessments on it (timeline), each with its previous
    comparable one as ``_with_previous`` defines it (same test, side and movement; ordered by
    date, then recording, then id), found here in Python: a row after ``date_to`` precedes
    none in the range, so those are not read, and the window's SQL cost the timeline more
    than its few rows. One query."""
    rows = (
        Assessment.objects.filter(episode=episode, date__lte=date_to)
        .order_by("date", "created_at", "id")
        .values_list("id", "date", "test", "side", "movement", "value", "method")
    )
    previous: dict[tuple[str, str, str], tuple[Decimal, dt.date]] = {}
    found: dict[dt.date, list[AssessmentPoint]] = defaultdict(list)
    for pk, date, test, side, movement, value, method in rows:
        comparable = (test, side, movement)
        before = previous.get(comparable)
        if date >= date_from:
            found[date].append(
                AssessmentPoint(
                    pk,
                    date,
                    test,
                    side,
                    movement,
                    value,
                    method,
                    None if before is None else before[0],
                    None if before is None else before[1],
                )
            )
        previous[comparable] = (value, date)
    return dict(found)
