"""Loads the clinical course into snapshots: the episode's assessments (with the previous
comparable value and the test's MDC) and treatments. Two queries per batch of snapshots,
whatever their number of dates or records (apps.assessments.selectors,
apps.treatments.selectors). Called from `apps.flags.selectors.build_snapshot` and
`build_snapshots_for_today`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from apps.assessments.catalogue import definition
from apps.assessments.selectors import assessment_points_by_episode
from apps.flags.course_data import AssessmentData, TreatmentData
from apps.flags.snapshot import EpisodeSnapshot
from apps.treatments.selectors import treatment_spans_by_episode


def _assessments(points: Sequence) -> tuple[AssessmentData, ...]:
    found = []
    for point in points:
        spec = definition(point.test)
        found.append(
            AssessmentData(
                date=point.date,
                test=point.test,
                side=point.side,
                movement=point.movement,
                value=point.value,
                unit=spec.unit,
                previous_value=point.previous_value,
                previous_date=point.previous_date,
                mdc=spec.mdc,
                mdc_source=spec.mdc_source,
                better=spec.better,
            )
        )
    return tuple(found)


def _treatments(spans: Sequence) -> tuple[TreatmentData, ...]:
    return tuple(
        TreatmentData(
            kind=span.kind,
            starts_on=span.starts_on,
            ends_on=span.ends_on,
            level=str((span.detail or {}).get("level", "")),
            aid=str((span.detail or {}).get("aid", "")),
        )
        for span in spans
    )


def with_course(snapshots: Sequence[EpisodeSnapshot]) -> list[EpisodeSnapshot]:
    """The snapshots with their episode's clinical course loaded."""
    ids = [snapshot.episode_id for snapshot in snapshots]
    if not ids:
        return []
    points = assessment_points_by_episode(ids)
    spans = treatment_spans_by_episode(ids)
    return [
        replace(
            snapshot,
            assessments=_assessments(points.get(snapshot.episode_id, [])),
            treatments=_treatments(spans.get(snapshot.episode_id, [])),
        )
        for snapshot in snapshots
    ]


def one_with_course(snapshot: EpisodeSnapshot) -> EpisodeSnapshot:
    return with_course([snapshot])[0]
