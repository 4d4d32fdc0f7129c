"""The latest questionnaire scores of the cohort's rows (issue 15: "the latest scores in the
dashboard row"): `apps.outcomes.selectors.latest_scores_by_episode` for the current episodes of
a page of summaries, one query whatever the number of rows. Used by `GET dashboard/patients/`
and the web cohort page; the nested ``summary`` of `GET patients/` does not carry them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from apps.accounts.models import Patient
from apps.outcomes.selectors import latest_scores_by_episode


def with_latest_scores(rows: Sequence[Patient]) -> Sequence[Patient]:
    """``rows`` (summaries, `patient_summaries`) each with ``latest_scores``: the latest score
    of each instrument's score in its current episode, with its change from baseline (none
    without an episode)."""
    # ``episode_id`` and ``latest_scores`` are the summary's attributes, not Patient fields.
    current: list[uuid.UUID | None] = [getattr(row, "episode_id", None) for row in rows]
    episode_ids = [episode_id for episode_id in current if episode_id is not None]
    found = latest_scores_by_episode(episode_ids) if episode_ids else {}
    for row, episode_id in zip(rows, current, strict=True):
        setattr(row, "latest_scores", found.get(episode_id, []) if episode_id else [])  # noqa: B010
    return rows
