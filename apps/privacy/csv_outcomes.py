"""The cohort's questionnaire scores as CSV (`GET cohort/outcomes.csv`): one row per score
of every patient a member of staff may see, streamed, with the change from baseline and
the thresholds, as the cohort check-in CSV (apps.privacy.exports)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from apps.accounts.models import User
from apps.accounts.selectors import patients_for_clinician
from apps.core import access_recorder as recorder
from apps.outcomes.models import Score
from apps.privacy.exports import _cell, _Echo

COLUMNS: list[tuple[str, Any]] = [
    ("Patient ID", lambda s: s.response.patient_id),
    ("Patient", lambda s: s.response.patient.user.full_name),
    ("Care team", lambda s: s.response.patient.care_team.name),
    ("Episode ID", lambda s: s.response.episode_id),
    ("Response ID", lambda s: s.response_id),
    ("Date", lambda s: s.response.date.isoformat()),
    ("Instrument", lambda s: s.definition.instrument.code),
    ("Instrument version", lambda s: s.definition.instrument.version),
    ("Score", lambda s: s.definition.code),
    ("Value", lambda s: s.value),
    ("Why no value", lambda s: s.reason),
    ("Algorithm version", lambda s: s.algorithm_version),
    ("Better", lambda s: s.definition.better),
    ("MCID", lambda s: s.definition.mcid),
    ("MDC", lambda s: s.definition.mdc),
    ("Completed at (UTC)", lambda s: s.response.completed_at.astimezone(dt.UTC).isoformat()),
]


def outcome_rows(
    *, user: User, date_from: dt.date | None, date_to: dt.date | None
) -> Iterator[str]:
    scores = Score.objects.filter(response__patient__in=patients_for_clinician(user))
    if date_from:
        scores = scores.filter(response__date__gte=date_from)
    if date_to:
        scores = scores.filter(response__date__lte=date_to)
    recorder.record_patient_access(scores.values_list("response__patient_id", flat=True).distinct())
    rows = scores.select_related(
        "response__patient__user", "response__patient__care_team", "definition__instrument"
    ).order_by("response__patient__care_team__name", "response__patient_id", "response__date", "id")
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield writer.writerow([title for title, _read in COLUMNS])
        for score in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(read(score)) for _title, read in COLUMNS])

    return generate()
