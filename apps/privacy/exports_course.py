"""The clinical course as CSV (`GET cohort/course.csv`): one row per assessment, treatment and
imaging result of every patient a member of staff may see, streamed, with readable columns.
Three queries (plus the access recording), whatever the number of rows."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.accounts.selectors import patients_for_clinician
from apps.assessments.catalogue import definition
from apps.assessments.models import Assessment
from apps.core import access_recorder as recorder
from apps.privacy.exports import _cell, _Echo
from apps.treatments.models import ImagingStudy, Treatment

HEADER = [
    "Patient ID",
    "Patient",
    "Care team",
    "Episode ID",
    "Record",
    "Date",
    "Until",
    "Test or kind",
    "Side",
    "Movement",
    "Value",
    "Unit",
    "Method",
    "Detail",
    "Notes or report",
]


def _who(row: Any) -> list[Any]:
    patient = row.patient
    return [patient.pk, patient.user.full_name, patient.care_team.name, row.episode_id]


def _assessment(row: Assessment) -> list[Any]:
    spec = definition(row.test)
    return [
        *_who(row),
        "assessment",
        row.date.isoformat(),
        "",
        row.test,
        row.side,
        row.movement,
        row.value,
        spec.unit,
        row.method,
        f"aid: {row.aid}" if row.aid else "",
        row.notes,
    ]


def _treatment(row: Treatment) -> list[Any]:
    detail = "; ".join(f"{key}: {value}" for key, value in sorted((row.detail or {}).items()))
    return [
        *_who(row),
        "treatment",
        row.starts_on.isoformat(),
        row.ends_on.isoformat() if row.ends_on else "",
        row.kind,
        "",
        "",
        "",
        "",
        "",
        detail,
        "",
    ]


def _imaging(row: ImagingStudy) -> list[Any]:
    findings = {
        "bone_marrow_edema": row.bone_marrow_edema or None,
        "fracture_line": row.fracture_line,
        "t_score": row.t_score,
        "z_score": row.z_score,
    }
    detail = "; ".join(f"{k}: {v}" for k, v in findings.items() if v is not None)
    return [
        *_who(row),
        "imaging",
        row.date.isoformat(),
        "",
        row.modality,
        row.side,
        "",
        "",
        "",
        "",
        detail,
        row.report,
    ]


def course_rows(*, user: User, date_from: dt.date | None, date_to: dt.date | None) -> Iterator[str]:
    """CSV lines (header first) of the clinical course of ``user``'s patients between the
    dates (a treatment by its start)."""
    patients = patients_for_clinician(user)
    sources: list[tuple[QuerySet[Any], str, Callable[[Any], list[Any]]]] = [
        (Assessment.objects.filter(patient__in=patients), "date", _assessment),
        (Treatment.objects.filter(patient__in=patients), "starts_on", _treatment),
        (ImagingStudy.objects.filter(patient__in=patients), "date", _imaging),
    ]
    selected = []
    for rows, date_field, shape in sources:
        if date_from:
            rows = rows.filter(**{f"{date_field}__gte": date_from})
        if date_to:
            rows = rows.filter(**{f"{date_field}__lte": date_to})
        selected.append((rows, date_field, shape))
    recorder.record_patient_access(
        {pid for rows, _f, _s in selected for pid in rows.values_list("patient_id", flat=True)}
    )
    writer = csv.writer(_Echo())

    def generate() -> Iterator[str]:
        yield writer.writerow(HEADER)
        for rows, date_field, shape in selected:
            ordered = rows.select_related("patient__user", "patient__care_team").order_by(
                "patient__care_team__name", "patient_id", date_field, "id"
            )
            for row in ordered.iterator(chunk_size=2000):
                yield writer.writerow([_cell(value) for value in shape(row)])

    return generate()
