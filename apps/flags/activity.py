"""What counts as "hearing from" a patient: the records the `lost_to_follow_up` rule reads.

`ACTIVITY_SOURCES` is the one list of patient-data records whose latest local date the
nightly snapshot loads (`EpisodeSnapshot.last_activity`, keyed by ``kind``). A new kind of
record (e.g. questionnaire responses) is one more line here, naming its
model by label: nothing is imported, so a listed app must be installed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import OuterRef, Subquery


@dataclass(frozen=True)
class ActivitySource:
    """A model of patient data with the episode it belongs to and the patient's local date."""

    kind: str  # the key in EpisodeSnapshot.last_activity and in the rule's evidence
    label: str  # words for a reason line, e.g. "exercise session"
    model: str  # "app_label.ModelName"
    episode_field: str = "episode"
    date_field: str = "date"


ACTIVITY_SOURCES: tuple[ActivitySource, ...] = (
    ActivitySource(kind="checkin", label="check-in", model="checkins.CheckIn"),
    ActivitySource(
        kind="exercise_session", label="exercise session", model="exercises.ExerciseSession"
    ),
    ActivitySource(
        kind="questionnaire_response",
        label="questionnaire response",
        model="outcomes.QuestionnaireResponse",
    ),
)


def last_activity_by_episode(
    todays: Mapping[Any, dt.date],
) -> dict[Any, dict[str, dt.date | None]]:
    """Episode id → {kind: the latest local date of that kind on or before the episode's
    ``todays`` date, or None}, every kind of ACTIVITY_SOURCES present.

    One query per distinct local today (one or two for a sweep batch): the episodes, each
    with one correlated subquery per source, read through that source's (episode, date)
    index backwards, so the cost does not grow with a patient's history."""
    episode_model = apps.get_model("episodes", "Episode")
    by_today: dict[dt.date, list[Any]] = defaultdict(list)
    for episode_id, today in todays.items():
        by_today[today].append(episode_id)
    found: dict[Any, dict[str, dt.date | None]] = {
        episode_id: dict.fromkeys(source.kind for source in ACTIVITY_SOURCES)
        for episode_id in todays
    }
    for today, ids in by_today.items():
        latest = {
            f"last_{source.kind}": Subquery(
                apps.get_model(source.model)
                ._default_manager.filter(
                    **{
                        source.episode_field: OuterRef("pk"),
                        f"{source.date_field}__lte": today,
                    }
                )
                .order_by(f"-{source.date_field}")
                .values(source.date_field)[:1]
            )
            for source in ACTIVITY_SOURCES
        }
        rows = (
            episode_model._default_manager.filter(pk__in=ids)
            .annotate(**latest)
            .order_by()
            .values_list("pk", *latest)
        )
        for episode_id, *dates in rows:
            found[episode_id] = {
                source.kind: value for source, value in zip(ACTIVITY_SOURCES, dates, strict=True)
            }
    return found
