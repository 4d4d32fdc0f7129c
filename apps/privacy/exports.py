"""The cohort CSV export: one row per check-in of every patient a member of staff may see,
streamed (no cap on the date range, constant memory), with readable column names."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from typing import Any

from apps.accounts.models import User
from apps.accounts.selectors import patients_for_clinician
from apps.checkins.selectors import checkins_visible_to
from apps.core import access_recorder as recorder

# (column title, how to read it from a check-in row)
COLUMNS: list[tuple[str, Any]] = [
    ("Patient ID", lambda c: c.patient_id),
    ("Patient", lambda c: c.patient.user.full_name),
    ("Care team", lambda c: c.patient.care_team.name),
    ("Episode ID", lambda c: c.episode_id),
    ("Date", lambda c: c.date.isoformat()),
    ("Pain now (0-10)", lambda c: c.pain_now),
    ("Worst pain in 24 h (0-10)", lambda c: c.pain_worst_24h),
    ("Pain when bearing weight (0-10)", lambda c: c.pain_weight_bearing),
    ("Morning stiffness (minutes)", lambda c: c.morning_stiffness_minutes),
    ("Sleep disturbed", lambda c: c.sleep_disturbed),
    ("Daily activities affected", lambda c: c.daily_activities_affected),
    ("Weight bearing", lambda c: c.weight_bearing),
    ("Pain at night or at rest", lambda c: c.night_or_rest_pain),
    ("Walking aid", lambda c: c.walking_aid),
    ("Limping", lambda c: c.limping),
    ("Painful side(s)", lambda c: " ".join(c.painful_sides or [])),
    ("Red flags", lambda c: " ".join(c.red_flags or [])),
    ("Steps", lambda c: c.steps),
    ("Recorded at (UTC)", lambda c: c.recorded_at.astimezone(dt.UTC).isoformat()),
]


class _Echo:
    """csv.writer wants a file; this one hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return ""
    text = str(value)
    # A cell starting with = + - @ is a formula to a spreadsheet: neutralise it.
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def cohort_rows(*, user: User, date_from: dt.date | None, date_to: dt.date | None) -> Iterator[str]:
    """CSV lines (header first) for ``user``'s patients' check-ins between the dates.

    Records every patient in the export for the access log before the first line: the
    response streams after the request's middleware has finished."""
    checkins = checkins_visible_to(user).filter(patient__in=patients_for_clinician(user))
    if date_from:
        checkins = checkins.filter(date__gte=date_from)
    if date_to:
        checkins = checkins.filter(date__lte=date_to)
    recorder.record_patient_access(checkins.values_list("patient_id", flat=True).distinct())
    rows = checkins.select_related("patient__user", "patient__care_team").order_by(
        "patient__care_team__name", "patient_id", "date"
    )
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield writer.writerow([title for title, _read in COLUMNS])
        for checkin in rows.iterator(chunk_size=2000):
            yield writer.writerow([_cell(read(checkin)) for _title, read in COLUMNS])

    return generate()
