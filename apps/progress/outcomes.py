"""Questionnaire scores and due questionnaires for `GET me/progress/`, read through
apps.outcomes' own selectors (the definitions `GET questionnaire-responses/`,
`GET me/questionnaires/` and the dashboard row use): one query for the scores, five for what
is due, whatever the length of the record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from apps.accounts.models import Patient
from apps.episodes.models import Episode
from apps.outcomes.due import due_for_patient
from apps.outcomes.selectors import latest_scores_by_episode

#: The instrument asked for monthly after resolution (apps.outcomes.conf.DEFAULT_SCHEDULE).
JOINT_CHECK = "joint_check"


def latest_scores(episode: Episode | None) -> list[dict[str, Any]]:
    """The latest score of each instrument score of the episode, with its change from the
    episode's baseline: ``[{"instrument", "score", "value", "date", "change_from_baseline",
    "meaningful"}]`` (``apps.outcomes.selectors.latest_scores_by_episode``)."""
    if episode is None:
        return []
    return [
        {
            "instrument": latest.instrument,
            "score": latest.score,
            "value": latest.value,
            "date": latest.date,
            "change_from_baseline": latest.change.change_from_baseline,
            "meaningful": latest.change.meaningful,
        }
        for latest in latest_scores_by_episode([episode.pk])[episode.pk]
    ]


def questionnaires_due(patient: Patient, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """What is due, exactly as ``GET me/questionnaires/``: ``[{"instrument", "due_on",
    "expires_on", "reason"}]`` (``apps.outcomes.due.due_for_patient``)."""
    return [
        {
            "instrument": due.instrument,
            "due_on": due.due_on,
            "expires_on": due.expires_on,
            "reason": due.reason,
        }
        for due in due_for_patient(patient, now=now)
    ]
