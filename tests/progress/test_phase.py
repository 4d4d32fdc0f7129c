"""The phase of `GET me/progress/`: one pure function, a table of cases (apps.progress.phase)."""

from __future__ import annotations

import pytest

from apps.progress.phase import Phase, PhaseInputs, decide_phase

ENOUGH = 10  # check-ins over the last 14 local dates

CASES = [
    # (id, inputs, phase, code)
    ("resolved", PhaseInputs(week=30, resolved=True), Phase.RESOLVED, "episode_resolved"),
    ("no episode", PhaseInputs(week=None), Phase.UNKNOWN, "no_episode"),
    (
        "two check-ins",
        PhaseInputs(week=5, checkins_14d=2, pain_7d_mean=5.0, pain_7d_change=1.0),
        Phase.UNKNOWN,
        "too_few_checkins",
    ),
    (
        "enough check-ins but one week empty",
        PhaseInputs(week=5, checkins_14d=6, pain_7d_mean=5.0, pain_7d_change=None),
        Phase.UNKNOWN,
        "too_few_checkins",
    ),
    (
        "rising",
        PhaseInputs(
            week=3,
            checkins_14d=ENOUGH,
            pain_7d_mean=5.0,
            pain_7d_change=1.5,
            weekly_means=(2.0, 3.5, 5.0),
        ),
        Phase.BUILDING,
        "rising",
    ),
    (
        "steady early in the course",
        PhaseInputs(
            week=4,
            checkins_14d=ENOUGH,
            pain_7d_mean=5.0,
            pain_7d_change=0.2,
            weekly_means=(3.0, 4.8, 5.0),
            expected_peak_week=8,
        ),
        Phase.BUILDING,
        "steady_early",
    ),
    (
        "steady at the worst after the usual peak",
        PhaseInputs(
            week=10,
            checkins_14d=ENOUGH,
            pain_7d_mean=6.5,
            pain_7d_change=-0.3,
            weekly_means=(3.0, 5.0, 6.6, 6.8, 6.5),
            expected_peak_week=8,
        ),
        Phase.PEAK,
        "steady_at_worst",
    ),
    (
        "falling",
        PhaseInputs(
            week=14,
            checkins_14d=ENOUGH,
            pain_7d_mean=4.0,
            pain_7d_change=-1.2,
            weekly_means=(6.0, 5.4, 4.0),
        ),
        Phase.EASING,
        "falling",
    ),
    (
        "low and steady",
        PhaseInputs(
            week=20,
            checkins_14d=ENOUGH,
            pain_7d_mean=1.5,
            pain_7d_change=0.1,
            weekly_means=(6.0, 2.0, 1.5),
        ),
        Phase.EASING,
        "low_and_steady",
    ),
    (
        "steady well below the worst",
        PhaseInputs(
            week=18,
            checkins_14d=ENOUGH,
            pain_7d_mean=3.5,
            pain_7d_change=0.4,
            weekly_means=(7.0, 5.0, 3.4, 3.5),
        ),
        Phase.EASING,
        "steady_below_worst",
    ),
]


@pytest.mark.parametrize(
    ("inputs", "phase", "code"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_phase_table(inputs, phase, code):
    decision = decide_phase(inputs)
    assert (decision.phase, decision.code) == (phase, code)
    assert decision.reason


def test_too_little_data_says_how_many_and_how_many_are_needed():
    decision = decide_phase(
        PhaseInputs(week=5, checkins_14d=2, pain_7d_mean=5.0, pain_7d_change=1.0)
    )
    assert decision.reason == (
        "Only 2 check-ins in the last 14 days: at least 4, in both weeks, are needed to tell "
        "the phase."
    )


def test_easing_counts_the_weeks_each_lower_than_the_one_before():
    decision = decide_phase(
        PhaseInputs(
            week=14,
            checkins_14d=ENOUGH,
            pain_7d_mean=4.0,
            pain_7d_change=-1.2,
            weekly_means=(5.0, 7.0, 6.0, 5.0, 4.0),
        )
    )
    assert decision.easing_weeks == 3


def test_the_change_threshold_is_inclusive():
    base = dict(week=10, checkins_14d=ENOUGH, pain_7d_mean=5.0, weekly_means=(5.0,))
    assert decide_phase(PhaseInputs(**base, pain_7d_change=1.0)).phase == Phase.BUILDING
    assert decide_phase(PhaseInputs(**base, pain_7d_change=0.99)).phase == Phase.PEAK
    assert decide_phase(PhaseInputs(**base, pain_7d_change=-1.0)).phase == Phase.EASING
