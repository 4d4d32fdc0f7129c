"""The clinical-course rules as pure units (table tests on plain snapshots)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.flags.course_data import AssessmentData, TreatmentData
from apps.flags.rules import RULES_BY_CODE, Thresholds
from tests.flags.builders import D, checkin, day, snapshot

T = Thresholds()


def tug(offset: int, value: str, previous: str | None, mdc: str | None = "1.10", **kw):
    return AssessmentData(
        date=day(offset),
        test=kw.get("test", "timed_up_and_go"),
        side=kw.get("side", ""),
        movement=kw.get("movement", ""),
        value=Decimal(value),
        unit="s",
        previous_value=None if previous is None else Decimal(previous),
        previous_date=None if previous is None else day(offset - 28),
        mdc=None if mdc is None else Decimal(mdc),
        mdc_source="test",
        better=kw.get("better", "lower"),
    )


def declined(*assessments, evaluated_on=D):
    snap = snapshot(assessments=tuple(assessments), evaluated_on=evaluated_on)
    return RULES_BY_CODE["assessment_declined"].evaluate(snap, T)


@pytest.mark.parametrize(
    ("assessments", "expected"),
    [
        ((tug(0, "12.2", "11.0"),), True),  # +1.2 s > MDC 1.10
        ((tug(0, "12.1", "11.0"),), False),  # exactly 1.10: not more than the MDC
        ((tug(0, "9.0", "11.0"),), False),  # faster is better
        ((tug(0, "12.0", None),), None),  # first TUG: nothing to compare
        ((tug(0, "30", "20", mdc=None, test="hip_rom", better="higher"),), None),  # no MDC
        # A later, recovered TUG replaces the declined one.
        ((tug(-10, "13.0", "11.0"), tug(-1, "11.5", "13.0")), False),
        # Chair stand: fewer stands is worse (higher is better), MDC 2.5.
        ((tug(0, "8", "11", mdc="2.5", test="chair_stand_30s", better="higher"),), True),
        # The future of the evaluated date is never evidence.
        ((tug(3, "14.0", "11.0"),), None),
    ],
)
def test_assessment_declined(assessments, expected):
    assert declined(*assessments).holds is expected


def test_assessment_declined_evidence_names_the_mdc_and_its_source():
    result = declined(tug(0, "12.5", "11.0"))
    [evidence] = result.evidence["declined"]
    assert (evidence["value"], evidence["previous_value"], evidence["mdc"]) == (12.5, 11.0, 1.1)
    assert evidence["mdc_source"] == "test"
    assert "MDC 1.1" in result.reason


def phase(level="toe_touch", aid="crutches", start=-20, end=None):
    return TreatmentData(
        kind="protected_weight_bearing",
        starts_on=day(start),
        ends_on=None if end is None else day(end),
        level=level,
        aid=aid,
    )


def beyond(checkins, treatments):
    snap = snapshot(*checkins, treatments=tuple(treatments))
    return RULES_BY_CODE["weight_bearing_beyond_prescription"].evaluate(snap, T)


FULL = {"weight_bearing": "full", "walking_aid": "crutches"}
OK = {"weight_bearing": "partial", "walking_aid": "crutches"}


@pytest.mark.parametrize(
    ("checkins", "treatments", "expected"),
    [
        ([checkin(o, **FULL) for o in (0, -2, -4)] + [checkin(-1, **OK)], [phase()], True),
        ([checkin(o, **FULL) for o in (0, -2)] + [checkin(-1, **OK)], [phase()], False),
        ([checkin(o, **FULL) for o in (0, -2, -7)], [phase()], False),  # -7 is outside
        ([checkin(o, **FULL) for o in (0, -1, -2)], [phase("as_tolerated")], False),
        ([checkin(o, **FULL) for o in (0, -1, -2)], [], None),  # no prescription
        # No walking aid while crutches are prescribed counts too.
        (
            [checkin(o, weight_bearing="partial", walking_aid="none") for o in (0, -1, -3)],
            [phase("partial")],
            True,
        ),
        # Days before the phase started are measured against no prescription.
        ([checkin(o, **FULL) for o in (0, -3, -4)], [phase(start=-1)], False),
        # The phase ended yesterday: nothing in force on D.
        ([checkin(o, **FULL) for o in (-1, -2, -3)], [phase(end=-1)], None),
    ],
)
def test_weight_bearing_beyond_prescription(checkins, treatments, expected):
    assert beyond(checkins, treatments).holds is expected


def test_weight_bearing_evidence_has_the_prescription_and_the_days():
    result = beyond([checkin(o, **FULL) for o in (0, -2, -4)], [phase()])
    assert result.evidence["prescription"]["level"] == "toe_touch"
    assert len(result.evidence["beyond_days"]) == 3
    assert result.evidence["days_reported"][D.isoformat()]["beyond"] == ["weight_bearing"]
    assert result.evidence["thresholds"] == {"window_days": 7, "weight_bearing_beyond_days": 3}
