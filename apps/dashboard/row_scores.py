"""The latest questionnaire scores of the cohort's rows (issue 15: "the latest scores in the
dashboard row"), as the row shows them (`summary_scores.rendered_latest_score`): a row whose
maintained summary is fresh brings them from it (`summary_latest_scores`, read with the row);
the others' are read with `apps.outcomes.selectors.latest_scores_by_episode` for their current
episodes, one query whatever the number of rows, none when every row was fresh. Used by `GET
dashboard/patients/` and the web cohort page; the nested ``summary`` of `GET patients/` does
not carry them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from apps.accounts.models import Patient
from apps.dashboard.summary_scores import rendered_latest_score
from apps.outcomes.selectors import latest_scores_by_episode


def latest_scores_of(episodes: dict[Any, dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    """Patient id → the rendered latest scores of their current episode (``episodes``: patient
    id → episode, as `summary_rows._current_episodes` gives them). One query, none without
    episodes."""
    if not episodes:
        return {}
    found = latest_scores_by_episode([episode["id"] for episode in episodes.values()])
    return {
        patient: [rendered_latest_score(latest) for latest in found.get(episode["id"], [])]
        for patient, episode in episodes.items()
    }


def with_latest_scores(rows: Sequence[Patient]) -> Sequence[Patient]:
    """``rows`` (summaries, `patient_summaries`) each with ``latest_scores``: the latest score
    of each instrument's score in its current episode, with its change from baseline (none
    without an episode)."""
    # ``episode_id``, ``summary_latest_scores`` and ``latest_scores`` are the summary's
    # attributes, not Patient fields. The stored scores are NULL unless the summary is fresh.
    missing: dict[uuid.UUID, list[Patient]] = {}
    for row in rows:
        stored = getattr(row, "summary_latest_scores", None)
        episode_id = getattr(row, "episode_id", None)
        if stored is not None:
            setattr(row, "latest_scores", stored)  # noqa: B010
        elif episode_id is None:
            setattr(row, "latest_scores", [])  # noqa: B010
        else:
            missing.setdefault(episode_id, []).append(row)
    if missing:
        found = latest_scores_by_episode(list(missing))
        for episode_id, waiting in missing.items():
            rendered = [rendered_latest_score(latest) for latest in found.get(episode_id, [])]
            for row in waiting:
                setattr(row, "latest_scores", rendered)  # noqa: B010
    return rows
