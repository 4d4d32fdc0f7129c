"""The record apps on the patient page's charts: treatments, imaging, clinic assessments and
questionnaire scores as the charts' generic layers (apps.dashboard.chart_layers ``MarkerSpec``
and ``BandSpec``, kinds ``treatment``, ``imaging``, ``assessment``, ``score``).

Pure: it takes what the page read already (the clinical-course section's treatments, imaging
and assessments, apps.dashboard.course_forms; the episode's score series,
apps.outcomes.selectors.score_series) and reshapes it, so the charts cost no query of their
own and nothing is calculated twice:

- treatments in force over days (apps.treatments.selectors.chart_bands_and_markers) are bands;
  one still in force (no end) runs to the chart's last date;
- single doses (a bisphosphonate infusion) are treatment markers, imaging studies imaging
  markers;
- assessments: one marker per date, naming every test measured on it;
- questionnaires: one marker per date and instrument, naming its scores.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from apps.assessments.catalogue import definition
from apps.assessments.models import Assessment
from apps.dashboard.chart_layers import BandSpec, MarkerSpec
from apps.outcomes.selectors import ScoreSeries
from apps.treatments.selectors import Band, Marker

TREATMENT = "treatment"
IMAGING = "imaging"
ASSESSMENT = "assessment"
SCORE = "score"

#: Short names of the shipped instruments (docs/outcomes.md "What ships"); others by code.
INSTRUMENT_NAMES: dict[str, str] = {
    "psfs": "PSFS",
    "pgic": "PGIC",
    "weekly_pain": "Weekly pain",
    "joint_check": "Joint check",
    "lefs": "LEFS",
    "hoos12": "HOOS-12",
    "hoos_ps": "HOOS-PS",
    "ohs": "Oxford Hip Score",
    "promis_pf": "PROMIS PF",
    "eq5d5l": "EQ-5D-5L",
    "ihot12": "iHOT-12",
}
#: Readable names of score codes that are not just the instrument's (others by code).
SCORE_NAMES: dict[str, str] = {
    "psfs_mean": "mean of the activities",
    "pain_average_7d": "average pain, 7 days",
    "pain_worst_7d": "worst pain, 7 days",
    "sites_with_new_pain": "sites with new pain",
    "worst_new_pain": "worst new pain",
    "hoos12_pain": "pain",
    "hoos12_function": "function",
    "hoos12_qol": "quality of life",
    "promis_pf_t": "T-score",
    "eq5d5l_index": "index",
    "eq5d5l_vas": "VAS",
}


def instrument_name(code: str) -> str:
    return INSTRUMENT_NAMES.get(code) or code.replace("_", " ").capitalize()


def score_name(instrument: str, score: str) -> str:
    """ "PSFS, mean of the activities"; a score named like its instrument: just the name."""
    if score == instrument:
        return instrument_name(instrument)
    part = SCORE_NAMES.get(score) or score.removeprefix(f"{instrument}_").replace("_", " ")
    return f"{instrument_name(instrument)}, {part}"


@dataclass(frozen=True)
class RecordLayers:
    """The specs every time chart of the page carries (``markers``, ``bands``) and the subset
    drawn on the score charts too (``treatment_markers``: treatments and imaging)."""

    markers: list[MarkerSpec]
    bands: list[BandSpec]
    treatment_markers: list[MarkerSpec]


def treatment_layers(
    bands: Sequence[Band], markers: Sequence[Marker], *, chart_end: dt.date
) -> tuple[list[MarkerSpec], list[BandSpec]]:
    """The treatments' bands (``end`` None: still in force, drawn to ``chart_end``) and their
    markers (single doses as ``treatment``, imaging studies as ``imaging``)."""
    band_specs = []
    for start, end, _kind, label in bands:
        if end is None:
            band_specs.append(
                BandSpec(
                    start,
                    max(start, chart_end),
                    TREATMENT,
                    f"{label}, from {start.isoformat()}, still in force",
                )
            )
        else:
            band_specs.append(
                BandSpec(
                    start, end, TREATMENT, f"{label}, {start.isoformat()} to {end.isoformat()}"
                )
            )
    marker_specs = [
        MarkerSpec(
            day,
            IMAGING if kind.startswith("imaging") else TREATMENT,
            f"{label}, {day.isoformat()}",
        )
        for day, kind, label in markers
    ]
    return marker_specs, band_specs


def _assessment_text(row: Assessment) -> str:
    spec = definition(row.test)
    what = spec.title
    if row.movement:
        what += f" {row.get_movement_display().lower()}"
    if row.side:
        what += f" ({row.side})"
    return f"{what} {row.value.normalize():f} {spec.unit}"


def assessment_markers(assessments: Iterable[Assessment]) -> list[MarkerSpec]:
    """One marker per date with an assessment, naming every test measured on it."""
    by_date: dict[dt.date, list[str]] = defaultdict(list)
    for row in sorted(assessments, key=lambda row: (row.date, row.created_at)):
        by_date[row.date].append(_assessment_text(row))
    return [
        MarkerSpec(day, ASSESSMENT, f"Assessment {day.isoformat()}: " + "; ".join(texts))
        for day, texts in sorted(by_date.items())
    ]


def _value_text(value: float | None) -> str:
    return "not scored" if value is None else f"{value:g}"


def score_markers(series: Sequence[ScoreSeries]) -> list[MarkerSpec]:
    """One marker per date and instrument answered, naming its scores."""
    found: dict[tuple[dt.date, str], list[str]] = defaultdict(list)
    for one in series:
        for day, value in one.points:
            label = score_name(one.instrument, one.score)
            found[(day, one.instrument)].append(f"{label} {_value_text(value)}")
    return [
        MarkerSpec(day, SCORE, f"{instrument_name(code)} {day.isoformat()}: " + "; ".join(texts))
        for (day, code), texts in sorted(found.items())
    ]


def record_layers(
    *,
    chart_end: dt.date,
    treatment_bands: Sequence[Band] = (),
    treatment_markers: Sequence[Marker] = (),
    assessments: Iterable[Assessment] = (),
    scores: Sequence[ScoreSeries] = (),
) -> RecordLayers:
    markers, bands = treatment_layers(treatment_bands, treatment_markers, chart_end=chart_end)
    return RecordLayers(
        markers=[*markers, *assessment_markers(assessments), *score_markers(scores)],
        bands=bands,
        treatment_markers=markers,
    )
