"""Reads of outcome measures: instruments, responses with their scores and changes, and the
read helpers other apps call (docs/CONTRACTS.md: Outcomes). Fixed query counts."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet, RowRange, Window
from django.db.models.functions import RowNumber

from apps.accounts.models import Role, User
from apps.accounts.selectors import patients_for_clinician
from apps.outcomes.models import (
    Answer,
    Instrument,
    Item,
    QuestionnaireResponse,
    Score,
)
from apps.outcomes.scoring import Change, change_of


def instruments_of_deployment() -> QuerySet[Instrument]:
    """The current version of every instrument, with scores and wording languages."""
    return (
        Instrument.objects.filter(is_current=True)
        .prefetch_related("scores", "wordings")
        .order_by("code")
    )


def instrument_by_code(code: str) -> Instrument | None:
    return (
        Instrument.objects.filter(code=code, is_current=True)
        .prefetch_related(
            Prefetch("items", queryset=Item.objects.prefetch_related("options")),
            "scores",
            "wordings",
        )
        .first()
    )


def responses_visible_to(
    user: User, *, patient_id: uuid.UUID | None = None
) -> QuerySet[QuestionnaireResponse]:
    """A patient's own responses; staff: their patients' (``patient_id`` narrows; a patient
    outside the care team gives nothing, which the view answers with a 404)."""
    responses = QuestionnaireResponse.objects.select_related("instrument").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("item")),
        Prefetch("scores", queryset=Score.objects.select_related("definition")),
    )
    if user.role == Role.PATIENT and not user.is_superuser:
        responses = responses.filter(patient__user=user)
    else:
        responses = responses.filter(patient__in=patients_for_clinician(user))
    if patient_id is not None:
        responses = responses.filter(patient_id=patient_id)
    return responses.order_by("-date", "-completed_at", "id")


@dataclass(frozen=True)
class ScorePoint:
    """One stored score as the charts and the flag snapshot read it."""

    score_id: uuid.UUID
    response_id: uuid.UUID
    episode_id: uuid.UUID
    instrument: str
    score: str
    date: dt.date
    completed_at: dt.datetime
    value: float | None
    reason: str
    better: str
    mcid: float | None
    mdc: float | None
    range: tuple[float, float]


def _points(scores: QuerySet[Score]) -> list[ScorePoint]:
    rows = scores.order_by("response__date", "response__completed_at", "response_id").values_list(
        "id",
        "response_id",
        "response__episode_id",
        "definition__instrument__code",
        "definition__code",
        "response__date",
        "response__completed_at",
        "value",
        "reason",
        "definition__better",
        "definition__mcid",
        "definition__mdc",
        "definition__range_min",
        "definition__range_max",
    )
    return [ScorePoint(*row[:12], range=(row[12], row[13])) for row in rows]


def score_points_by_episode(episode_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[ScorePoint]]:
    """Every score of the episodes, oldest first. One query."""
    found: dict[uuid.UUID, list[ScorePoint]] = defaultdict(list)
    for point in _points(Score.objects.filter(response__episode_id__in=list(episode_ids))):
        found[point.episode_id].append(point)
    return dict(found)


def changes_of(points: Sequence[ScorePoint]) -> dict[uuid.UUID, Change]:
    """Score id → its change from the baseline (the first scored value of that instrument's
    score in the episode) and from the previous scored value. ``points`` oldest first."""
    baseline: dict[tuple, float] = {}
    previous: dict[tuple, float] = {}
    changes: dict[uuid.UUID, Change] = {}
    for point in points:
        key = (point.episode_id, point.instrument, point.score)
        changes[point.score_id] = change_of(
            value=point.value,
            baseline=baseline.get(key),
            previous=previous.get(key),
            better=point.better,
            mcid=point.mcid,
            mdc=point.mdc,
        )
        if point.value is not None:
            baseline.setdefault(key, point.value)
            previous[key] = point.value
    return changes


def changes_for_responses(responses: Sequence[QuestionnaireResponse]) -> dict[uuid.UUID, Change]:
    """The change of every score of the given responses. One query for any number."""
    episode_ids = {response.episode_id for response in responses}
    if not episode_ids:
        return {}
    points = [p for ps in score_points_by_episode(episode_ids).values() for p in ps]
    return changes_of(points)


def _latest_points_by_episode(
    episode_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, list[ScorePoint]]:
    """The scores of the episodes that the latest score of each (instrument, score) and its
    changes depend on, oldest first: per episode and score definition the latest score, the
    first scored value (the baseline) and the last two scored values (the latest one's
    previous). `changes_of` gives the latest score the same change over these as over every
    score (`score_points_by_episode`), without reading a year of scores. One query."""
    # One sort: every window below partitions by (episode, score definition) and numbers
    # newest first, in the order of `_points` reversed.
    partition = [F("response__episode_id"), F("definition_id")]
    newest_first = [F(name).desc() for name in ("response__date", "response__completed_at")]
    newest_first.append(F("response_id").desc())
    scores = (
        Score.objects.filter(response__episode_id__in=list(episode_ids))
        .annotate(
            newest=Window(RowNumber(), partition_by=partition, order_by=newest_first),
            # Scored values up to this row, newest first: 1 and 2 are the last two.
            valued_so_far=Window(
                Count("value"),
                partition_by=partition,
                order_by=newest_first,
                frame=RowRange(start=None, end=0),
            ),
            valued=Window(Count("value"), partition_by=partition),
        )
        .filter(
            Q(newest=1)
            | Q(value__isnull=False)
            & (Q(valued_so_far__lte=2) | Q(valued_so_far=F("valued")))  # last two, first
        )
    )
    found: dict[uuid.UUID, list[ScorePoint]] = defaultdict(list)
    for point in _points(scores):
        found[point.episode_id].append(point)
    return dict(found)


@dataclass(frozen=True)
class LatestScore:
    instrument: str
    score: str
    date: dt.date
    value: float | None
    change: Change
    mcid: float | None
    mdc: float | None


def latest_scores_by_episode(
    episode_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, list[LatestScore]]:
    """Episode id → the latest score of each (instrument, score) with its changes, for the
    dashboard row. One query for any number of episodes."""
    ids = list(episode_ids)
    result: dict[uuid.UUID, list[LatestScore]] = {episode_id: [] for episode_id in ids}
    for episode_id, points in _latest_points_by_episode(ids).items():
        changes = changes_of(points)
        latest: dict[tuple[str, str], ScorePoint] = {}
        for point in points:
            latest[(point.instrument, point.score)] = point
        result[episode_id] = [
            LatestScore(p.instrument, p.score, p.date, p.value, changes[p.score_id], p.mcid, p.mdc)
            for p in sorted(latest.values(), key=lambda p: (p.instrument, p.score))
        ]
    return result


@dataclass(frozen=True)
class ScoreSeries:
    """One score over time in an episode, for a chart with the MCID as a band from the
    baseline."""

    instrument: str
    score: str
    better: str
    mcid: float | None
    mdc: float | None
    range: tuple[float, float]
    baseline: float | None
    points: list[tuple[dt.date, float | None]]


def score_series(episode_id: uuid.UUID) -> list[ScoreSeries]:
    """Every score of the episode as a series, oldest point first. One query."""
    grouped: dict[tuple[str, str], list[ScorePoint]] = defaultdict(list)
    for point in score_points_by_episode([episode_id]).get(episode_id, []):
        grouped[(point.instrument, point.score)].append(point)
    series = []
    for (instrument, code), points in sorted(grouped.items()):
        last = points[-1]
        values = [p.value for p in points if p.value is not None]
        series.append(
            ScoreSeries(
                instrument=instrument,
                score=code,
                better=last.better,
                mcid=last.mcid,
                mdc=last.mdc,
                range=last.range,
                baseline=values[0] if values else None,
                points=[(p.date, p.value) for p in points],
            )
        )
    return series


def positive_answers_by_response(
    response_ids: Iterable[uuid.UUID],
) -> dict[uuid.UUID, set[str]]:
    """Response id → link ids of its choice answers that weigh > 0 (a joint check's "yes").
    One query (none for no ids)."""
    ids = list(response_ids)
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    if not ids:
        return {}
    for response_id, link_id in Answer.objects.filter(
        response_id__in=ids, item__kind="choice", weight__gt=0
    ).values_list("response_id", "item__link_id"):
        found[response_id].add(link_id)
    return dict(found)
