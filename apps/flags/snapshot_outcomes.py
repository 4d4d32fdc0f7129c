"""The questionnaire scores of the flag snapshot (``EpisodeSnapshot.scores``), loaded for a
batch of snapshots in two queries (scores, and the joint check's positive answers) through
apps.outcomes' selectors. Plain data, as the rest of the snapshot."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from apps.flags.snapshot import EpisodeSnapshot
from apps.outcomes.selectors import positive_answers_by_response, score_points_by_episode


@dataclass(frozen=True)
class ScoreData:
    """One stored questionnaire score (local ``date``), with the thresholds of its
    definition; ``positive_items`` are the link ids answered "yes" (the joint check)."""

    response_id: uuid.UUID
    instrument: str
    score: str
    date: dt.date
    completed_at: dt.datetime
    value: float | None
    better: str
    mcid: float | None
    mdc: float | None
    positive_items: frozenset[str] = frozenset()


def with_outcome_scores(snapshots: Sequence[EpisodeSnapshot]) -> list[EpisodeSnapshot]:
    """The snapshots with ``scores`` filled (every score of their episodes, oldest first)."""
    snapshots = list(snapshots)
    if not snapshots:
        return snapshots
    points = score_points_by_episode([s.episode_id for s in snapshots])
    positive = positive_answers_by_response(
        [p.response_id for ps in points.values() for p in ps if p.instrument == "joint_check"]
    )
    by_episode: dict[uuid.UUID, list[ScoreData]] = defaultdict(list)
    for episode_id, episode_points in points.items():
        for p in episode_points:
            by_episode[episode_id].append(
                ScoreData(
                    response_id=p.response_id,
                    instrument=p.instrument,
                    score=p.score,
                    date=p.date,
                    completed_at=p.completed_at,
                    value=p.value,
                    better=p.better,
                    mcid=p.mcid,
                    mdc=p.mdc,
                    positive_items=frozenset(positive.get(p.response_id, ())),
                )
            )
    return [
        dataclasses.replace(s, scores=tuple(by_episode.get(s.episode_id, ()))) for s in snapshots
    ]


def with_outcome_scores_one(snapshot: EpisodeSnapshot | None) -> EpisodeSnapshot | None:
    return None if snapshot is None else with_outcome_scores([snapshot])[0]
