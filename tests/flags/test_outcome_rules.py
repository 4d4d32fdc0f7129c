"""Table-driven boundary tests of outcome_worsened and new_joint_pain_after_resolution
(pure: plain snapshots with scores, no database)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from apps.flags.rules import RULES_BY_CODE, Thresholds
from apps.flags.snapshot_outcomes import ScoreData
from tests.flags.builders import D, day, snapshot

T = Thresholds()


def point(
    offset: int,
    value: float | None,
    *,
    instrument="psfs",
    score="psfs_mean",
    better="higher",
    mcid=1.3,
    mdc=2.0,
    positive=frozenset(),
    response=None,
) -> ScoreData:
    return ScoreData(
        response_id=response or uuid.uuid4(),
        instrument=instrument,
        score=score,
        date=day(offset),
        completed_at=dt.datetime.combine(day(offset), dt.time(12), dt.UTC),
        value=value,
        better=better,
        mcid=mcid,
        mdc=mdc,
        positive_items=frozenset(positive),
    )


def worsened(*points: ScoreData, thresholds: Thresholds = T):
    return RULES_BY_CODE["outcome_worsened"].evaluate(snapshot(scores=points), thresholds)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5.0], None),  # one value: nothing to compare
        ([5.0, 3.0], False),  # worse by 2 >= MCID 1.3 but not > MDC 2
        ([5.0, 2.9], True),  # worse by 2.1: >= MCID and > MDC
        ([5.0, 7.5], False),  # better
        ([5.0, 5.0, 2.9], True),  # against previous and baseline
        ([2.0, 5.0, 2.9], True),  # worse than the previous by 2.1 (better than the baseline)
        ([4.0, 5.0, 3.0], False),  # 2 below the previous: not > MDC; 1 below baseline
        ([5.0, None, 2.9], True),  # a null score is no comparison point
    ],
)
def test_outcome_worsened_psfs_boundaries(values, expected):
    points = [point(-14 * (len(values) - 1 - i), v) for i, v in enumerate(values)]
    result = worsened(*points)
    assert result.holds is expected, result.reason


def test_lower_is_better_direction_and_evidence_names_both_scores():
    baseline = point(
        -14,
        3,
        instrument="weekly_pain",
        score="pain_average_7d",
        better="lower",
        mcid=1.5,
        mdc=None,
    )
    latest = point(
        0,
        4.5,
        instrument="weekly_pain",
        score="pain_average_7d",
        better="lower",
        mcid=1.5,
        mdc=None,
    )
    result = worsened(baseline, latest)
    assert result.holds is True
    [evidence] = result.evidence["scores"]
    assert evidence["latest"] == {
        "date": D.isoformat(),
        "value": 4.5,
        "response": str(latest.response_id),
    }
    assert evidence["previous"]["date"] == day(-14).isoformat()
    assert (evidence["mcid"], evidence["mdc"]) == (1.5, None)
    assert evidence["mdc_note"] == "no MDC published: MCID alone"
    assert "MCID 1.5" in result.reason
    assert (
        worsened(
            baseline,
            point(
                0,
                4.4,
                instrument="weekly_pain",
                score="pain_average_7d",
                better="lower",
                mcid=1.5,
                mdc=None,
            ),
        ).holds
        is False
    )


def test_no_mcid_is_not_judged_and_future_scores_are_not_read():
    assert worsened(point(-14, 5, mcid=None), point(0, 1, mcid=None)).holds is None
    later = point(3, 1)
    assert worsened(point(-14, 5), later).holds is None


def test_the_mcid_factor_threshold_applies():
    assert (
        worsened(
            point(-14, 5), point(0, 2.9), thresholds=Thresholds(outcome_worsened_mcid_factor=2)
        ).holds
        is False
    )


def joint(offset, yes, worst=None):
    response = uuid.uuid4()
    points = [
        point(
            offset,
            len(yes),
            instrument="joint_check",
            score="sites_with_new_pain",
            better="lower",
            mcid=None,
            mdc=None,
            positive=yes,
            response=response,
        )
    ]
    if worst is not None:
        points.append(
            point(
                offset,
                worst,
                instrument="joint_check",
                score="worst_new_pain",
                better="lower",
                mcid=None,
                mdc=None,
                response=response,
            )
        )
    return points


def joint_rule(points, **fields):
    values = {"episode_resolved": True, "resolved_on": day(-40)} | fields
    return RULES_BY_CODE["new_joint_pain_after_resolution"].evaluate(
        snapshot(scores=tuple(points), **values), T
    )


@pytest.mark.parametrize(
    ("points", "fields", "expected"),
    [
        (joint(0, {"new_pain_knee"}, worst=6), {}, True),
        (joint(0, set()), {}, False),
        (joint(0, {"new_pain_knee"}), {"episode_resolved": False, "resolved_on": None}, None),
        (joint(-41, {"new_pain_knee"}), {}, None),  # before the resolution
        (joint(-10, {"new_pain_foot"}) + joint(0, set()), {}, False),  # latest says none
        ([], {}, None),
    ],
)
def test_new_joint_pain_boundaries(points, fields, expected):
    result = joint_rule(points, **fields)
    assert result.holds is expected, result.reason


def test_new_joint_pain_evidence():
    result = joint_rule(joint(0, {"new_pain_knee", "new_pain_other_hip"}, worst=6))
    assert result.reason == f"joint check on {D}: new pain in knee, other_hip (worst 6/10)"
    assert result.evidence["sites"] == ["knee", "other_hip"]
    assert result.evidence["worst_new_pain"] == 6
