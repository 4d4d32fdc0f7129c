"""Routine rules of the clinical course: what the physiotherapist measured and prescribed
(assessments and treatments, loaded into the snapshot by apps.flags.snapshot_course)."""

from __future__ import annotations

import datetime as dt

from apps.flags.course_data import AssessmentData, TreatmentData
from apps.flags.rules.base import Rule, RuleResult, Severity, Thresholds, fmt
from apps.flags.snapshot import EpisodeSnapshot, dates_ending

#: Prescribed levels under which a check-in's `full` weight bearing is more than prescribed.
LEVELS_BELOW_FULL = frozenset({"non", "toe_touch", "partial"})


def _latest_comparable(snapshot: EpisodeSnapshot) -> list[AssessmentData]:
    """The latest assessment of each (test, side, movement) on or before the evaluated date."""
    latest: dict[tuple[str, str, str], AssessmentData] = {}
    for assessment in snapshot.assessments:
        if assessment.date <= snapshot.evaluated_on:
            latest[assessment.comparable_key] = assessment  # oldest first: the last one wins
    return list(latest.values())


def _declined(assessment: AssessmentData) -> bool:
    if assessment.previous_value is None or assessment.mdc is None:
        return False
    change = assessment.value - assessment.previous_value
    worse_by = change if assessment.better == "lower" else -change
    return worse_by > assessment.mdc


def _evidence(assessment: AssessmentData) -> dict:
    return {
        "test": assessment.test,
        "side": assessment.side or None,
        "movement": assessment.movement or None,
        "date": assessment.date,
        "value": float(assessment.value),
        "unit": assessment.unit,
        "previous_date": assessment.previous_date,
        "previous_value": (
            None if assessment.previous_value is None else float(assessment.previous_value)
        ),
        "mdc": None if assessment.mdc is None else float(assessment.mdc),
        "mdc_source": assessment.mdc_source,
        "better": assessment.better,
    }


class AssessmentDeclined(Rule):
    """CLINICAL_RULES.md `assessment_declined` (objective decline): the latest clinic assessment
    of a test (and side and movement) on or before D is worse than the previous one by more
    than the test's MDC (apps/assessments/catalogue.py, each with its source: TUG 1.10 s in
    knee OA, 30-s chair stand 2.5 stands, gait speed 0.13 m/s). Tests without an MDC are not
    evaluated, and the evidence says so."""

    code = "assessment_declined"
    title = "Clinic assessment declined"
    severity = Severity.ROUTINE
    patient_message = (
        "One of the tests your physiotherapist measured came out worse than last time. "
        "Your care team will look at it with you at your next review."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        latest = [a for a in _latest_comparable(snapshot) if a.previous_value is not None]
        comparable = [a for a in latest if a.mdc is not None]
        if not comparable:
            return self.not_evaluated(
                "no pair of comparable assessments of a test with an MDC on or before "
                f"{snapshot.evaluated_on}",
                without_mdc=sorted({a.test for a in latest if a.mdc is None}),
            )
        declined = [a for a in comparable if _declined(a)]
        if not declined:
            return self.result(
                False,
                f"no assessment worse than the previous one by more than its MDC "
                f"({len(comparable)} compared)",
                compared=[_evidence(a) for a in comparable],
            )
        first = declined[0]
        where = " ".join(part for part in (first.side, first.movement.replace("_", " ")) if part)
        return self.result(
            True,
            f"{first.test}{' ' + where if where else ''} {fmt(first.value)} {first.unit} on "
            f"{first.date}, from {fmt(first.previous_value or 0)} on {first.previous_date} "
            f"(MDC {fmt(first.mdc or 0)})",
            declined=[_evidence(a) for a in declined],
        )


def _beyond(treatment: TreatmentData, weight_bearing: str, walking_aid: str) -> list[str]:
    """What of a check-in goes beyond the prescription in force on its date."""
    found = []
    if weight_bearing == "full" and treatment.level in LEVELS_BELOW_FULL:
        found.append("weight_bearing")
    if treatment.aid and treatment.aid != "none" and walking_aid == "none":
        found.append("walking_aid")
    return found


def _prescription_on(snapshot: EpisodeSnapshot, day: dt.date) -> TreatmentData | None:
    phases = [
        t
        for t in snapshot.treatments
        if t.kind == "protected_weight_bearing" and t.in_force_on(day)
    ]
    return phases[-1] if phases else None


class WeightBearingBeyondPrescription(Rule):
    """CLINICAL_RULES.md `weight_bearing_beyond_prescription`: protected weight bearing is the
    cornerstone of TOH care and unloading protects the femoral neck (OUTCOMES.md, The TOH
    course). Holds on D when a `protected_weight_bearing` treatment is in force on D and, on
    at least 3 of the last 7 days, the check-in reports more than the prescription in force on
    that day: `full` while `non`/`toe_touch`/`partial`, or no walking aid while one is
    prescribed."""

    code = "weight_bearing_beyond_prescription"
    title = "Weight bearing beyond prescription"
    severity = Severity.ROUTINE
    patient_message = (
        "You have reported putting more weight on your leg than your care team advised. "
        "Protecting the hip helps it heal; keep to the advice and talk to your "
        "physiotherapist if it is hard to follow."
    )

    def evaluate(self, snapshot: EpisodeSnapshot, thresholds: Thresholds) -> RuleResult:
        day = snapshot.evaluated_on
        used = thresholds.pick("window_days", "weight_bearing_beyond_days")
        in_force = _prescription_on(snapshot, day)
        if in_force is None:
            return self.not_evaluated(
                f"no protected weight bearing in force on {day}", thresholds=used
            )
        reported = {}
        beyond_days = []
        for date in dates_ending(day, thresholds.window_days):
            checkin = snapshot.checkin_on(date)
            prescription = _prescription_on(snapshot, date)
            if checkin is None or prescription is None:
                continue
            beyond = _beyond(prescription, checkin.weight_bearing, checkin.walking_aid)
            reported[date] = {
                "weight_bearing": checkin.weight_bearing,
                "walking_aid": checkin.walking_aid,
                "prescribed_level": prescription.level,
                "prescribed_aid": prescription.aid or None,
                "beyond": beyond,
            }
            if beyond:
                beyond_days.append(date)
        holds = len(beyond_days) >= thresholds.weight_bearing_beyond_days
        return self.result(
            holds,
            f"more weight bearing than prescribed ({in_force.level.replace('_', '-')}"
            f"{', ' + in_force.aid if in_force.aid else ''}) on {len(beyond_days)} of the last "
            f"{thresholds.window_days} days",
            prescription={
                "level": in_force.level,
                "aid": in_force.aid or None,
                "starts_on": in_force.starts_on,
                "ends_on": in_force.ends_on,
            },
            days_reported=reported,
            beyond_days=beyond_days,
            thresholds=used,
        )
