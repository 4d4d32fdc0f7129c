"""Questionnaire scores and due questionnaires for `GET me/progress/`.

apps.outcomes (questionnaires) is being built on another branch. When it merges, wire these two
functions to it and nothing else changes:

- `latest_scores` → ``apps.outcomes.selectors.latest_scores_by_episode([episode.pk])[episode.pk]``
- `questionnaires_due` → the due questionnaires of ``GET me/questionnaires/``
  (``apps.outcomes.selectors`` due questionnaires of the patient)

Until then both answer ``[]``.
"""

from __future__ import annotations

from typing import Any

from apps.accounts.models import Patient
from apps.episodes.models import Episode


def latest_scores(episode: Episode | None) -> list[dict[str, Any]]:
    """The latest score of each instrument score of the episode:
    ``[{"instrument", "score", "value", "completed_at"}]``."""
    # TODO(outcomes merge): apps.outcomes.selectors.latest_scores_by_episode([episode.pk])
    return []


def questionnaires_due(patient: Patient) -> list[dict[str, Any]]:
    """What is due, as ``GET me/questionnaires/``: ``[{"instrument", "due_on", "expires_on",
    "reason"}]``."""
    # TODO(outcomes merge): the due questionnaires selector of apps.outcomes.selectors.
    return []
