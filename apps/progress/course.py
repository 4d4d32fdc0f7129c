"""The expected course at a patient's week: from the clinic's resolved episodes when there are
enough (the staff band's rule and code, `apps.dashboard.course.expected_course`), else from
published figures.

Published figures (../shared/OUTCOMES.md, "The TOH course"): symptoms resolve in about 6 to 12
months; in the Mayo Clinic series of 33 the median was 2 months from onset to diagnosis and 4
months to symptom resolution (Kotwal 2019, Endocr Pract 25:648); pain builds over weeks to
months before it eases (Asadipooya 2017, Osteoporos Int). These series report times, not weekly
pain scores: a published point has no ``median_pain`` or ``band`` (null), only the stage the
week is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.dashboard.course import ExpectedCourse, expected_course

#: Mayo Clinic series (Kotwal 2019): patients.
PUBLISHED_N = 33
#: Pain usually stops building by about 2 months (median onset to diagnosis, Kotwal 2019).
PUBLISHED_PEAK_WEEK = 8
#: Median time to symptom resolution, 4 months (Kotwal 2019).
PUBLISHED_MEDIAN_RESOLUTION_WEEK = 17
#: Most resolve within 6 to 12 months.
PUBLISHED_RESOLUTION_WEEKS = (26, 52)


@dataclass(frozen=True)
class ExpectedPoint:
    week: int
    median_pain: float | None
    band: tuple[float, float] | None
    source: str  # "clinic" | "published"
    n: int
    #: The week by which pain has usually stopped building, from the same source.
    peak_week: int
    #: "building" (before ``peak_week``), "easing" (after it), "resolved" (past 12 months).
    stage: str


def _stage(week: int, peak_week: int) -> str:
    if week < peak_week:
        return "building"
    if week > PUBLISHED_RESOLUTION_WEEKS[1]:
        return "resolved"
    return "easing"


def _published(week: int) -> ExpectedPoint:
    return ExpectedPoint(
        week=week,
        median_pain=None,
        band=None,
        source="published",
        n=PUBLISHED_N,
        peak_week=PUBLISHED_PEAK_WEEK,
        stage=_stage(week, PUBLISHED_PEAK_WEEK),
    )


def expected_point_from(course: ExpectedCourse, week: int) -> ExpectedPoint:
    """The point of ``week`` in the clinic's course when it has one (enough resolved episodes,
    and enough of them with check-ins in that week), else the published one."""
    if not course.is_available:
        return _published(week)
    row: dict[str, Any] | None = next((r for r in course.weeks if r["week"] == week), None)
    if row is None:
        return _published(week)
    peak = max(course.weeks, key=lambda r: (r["median"], -r["week"]))["week"]
    return ExpectedPoint(
        week=week,
        median_pain=row["median"],
        band=(row["p10"], row["p90"]),
        source="clinic",
        n=row["episodes"],
        peak_week=peak,
        stage=_stage(week, peak),
    )


def expected_point(*, clinic_id: Any, week: int) -> ExpectedPoint:
    """The expected course at ``week`` for a patient of ``clinic_id`` (cached by the dashboard:
    one query when fresh)."""
    return expected_point_from(expected_course(clinic_id=clinic_id), week)
