"""Table-driven boundary tests for every rule of CLINICAL_RULES.md (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.flags.rules import ALL_RULES, RULES_BY_CODE, Severity, Thresholds
from tests.flags.builders import D, adherence, checkin, daily, day, snapshot

T = Thresholds()


def evaluate(code: str, snap, thresholds: Thresholds = T):
    return RULES_BY_CODE[code].evaluate(snap, thresholds)


def cases(*rows):
    return pytest.mark.parametrize(
        ("snap", "expected"), [row[1:] for row in rows], ids=[row[0] for row in rows]
    )


def test_the_registry_has_the_twenty_codes_of_the_spec_with_their_severities():
    assert {rule.code: str(rule.severity) for rule in ALL_RULES} == {
        "fall_or_injury": "emergency",
        "cannot_bear_weight": "emergency",
        "leg_deformity": "emergency",
        "nerve_symptoms_after_injury": "emergency",
        "infection_signs": "urgent",
        "skin_colour_change": "urgent",
        "sudden_severe_pain": "urgent",
        "possible_fracture": "urgent",
        "pain_worsening": "soon",
        "pain_returned": "soon",
        "other_hip_pain": "soon",
        "daily_life_affected": "routine",
        "no_improvement_2_weeks": "routine",
        "morning_stiffness": "routine",
        "not_resolving": "routine",
        "low_adherence": "info",
        "missed_checkins": "info",
        "lost_to_follow_up": "routine",
        "outcome_worsened": "soon",
        "new_joint_pain_after_resolution": "soon",
        "assessment_declined": "routine",
        "weight_bearing_beyond_prescription": "routine",
    }


def test_every_rule_has_a_version_and_a_docstring_citing_its_source():
    for rule in ALL_RULES:
        assert rule.version >= 1
        assert len(rule.source) > 20, rule.code


@cases(
    ("listed", snapshot(checkin(0, red_flags={"fall_or_injury"})), True),
    ("other red flag only", snapshot(checkin(0, red_flags={"fever_or_unwell"})), False),
    ("none listed", snapshot(checkin(0)), False),
    ("no check-in on D", snapshot(checkin(-1, red_flags={"fall_or_injury"})), None),
)
def test_fall_or_injury(snap, expected):
    assert evaluate("fall_or_injury", snap).holds is expected


@cases(
    (
        "none after partial",
        snapshot(checkin(-1, weight_bearing="partial"), checkin(0, weight_bearing="none")),
        True,
    ),
    (
        "none after full days ago",
        snapshot(checkin(-5, weight_bearing="full"), checkin(0, weight_bearing="none")),
        True,
    ),
    ("none with no earlier check-in", snapshot(checkin(0, weight_bearing="none")), True),
    (
        "none already before",
        snapshot(checkin(-1, weight_bearing="none"), checkin(0, weight_bearing="none")),
        False,
    ),
    ("partial", snapshot(checkin(0, weight_bearing="partial")), False),
    ("no check-in on D", snapshot(checkin(-1, weight_bearing="none")), None),
)
def test_cannot_bear_weight(snap, expected):
    assert evaluate("cannot_bear_weight", snap).holds is expected


def test_cannot_bear_weight_ignores_a_later_check_in_when_evaluating_an_earlier_date():
    snap = snapshot(
        checkin(-1, weight_bearing="full"), checkin(0, weight_bearing="none"), checkin(1)
    )
    assert evaluate("cannot_bear_weight", snap).holds is True


@cases(
    ("listed", snapshot(checkin(0, red_flags={"leg_short_or_turned_out"})), True),
    ("not listed", snapshot(checkin(0, red_flags={"fall_or_injury"})), False),
    ("no check-in", snapshot(), None),
)
def test_leg_deformity(snap, expected):
    assert evaluate("leg_deformity", snap).holds is expected


@cases(
    (
        "numb and injury same day",
        snapshot(checkin(0, red_flags={"numbness_or_tingling", "fall_or_injury"})),
        True,
    ),
    (
        "numb, injury the day before",
        snapshot(
            checkin(-1, red_flags={"fall_or_injury"}),
            checkin(0, red_flags={"numbness_or_tingling"}),
        ),
        True,
    ),
    (
        "numb, injury two days before",
        snapshot(
            checkin(-2, red_flags={"fall_or_injury"}),
            checkin(0, red_flags={"numbness_or_tingling"}),
        ),
        False,
    ),
    ("numb without injury", snapshot(checkin(0, red_flags={"numbness_or_tingling"})), False),
    ("injury without numbness", snapshot(checkin(0, red_flags={"fall_or_injury"})), False),
    ("no check-in", snapshot(checkin(-1, red_flags={"fall_or_injury"})), None),
)
def test_nerve_symptoms_after_injury(snap, expected):
    assert evaluate("nerve_symptoms_after_injury", snap).holds is expected


@pytest.mark.parametrize(
    ("red_flags", "expected", "severity"),
    [
        ({"fever_or_unwell"}, True, None),
        ({"hip_hot_or_swollen"}, True, None),
        ({"fever_or_unwell", "hip_hot_or_swollen"}, True, Severity.EMERGENCY),
        ({"skin_colour_change"}, False, None),
        (set(), False, None),
    ],
    ids=["fever", "hot hip", "both: emergency", "other flag", "none"],
)
def test_infection_signs(red_flags, expected, severity):
    result = evaluate("infection_signs", snapshot(checkin(0, red_flags=red_flags)))
    assert (result.holds, result.severity) == (expected, severity)


@cases(
    ("listed", snapshot(checkin(0, red_flags={"skin_colour_change"})), True),
    ("not listed", snapshot(checkin(0)), False),
    ("no check-in", snapshot(), None),
)
def test_skin_colour_change(snap, expected):
    assert evaluate("skin_colour_change", snap).holds is expected


BASE_5 = daily([-3, -2, -1], pain_worst_24h=5)  # baseline 5 from 3 check-ins


@cases(
    ("8 = baseline 5 + 3", snapshot(*BASE_5, checkin(0, pain_worst_24h=8)), True),
    (
        "8 < baseline 5.33 + 3",
        snapshot(
            *daily([-3, -2], pain_worst_24h=5),
            checkin(-1, pain_worst_24h=6),
            checkin(0, pain_worst_24h=8),
        ),
        False,
    ),
    (
        "7 below the absolute 8",
        snapshot(*daily([-3, -2, -1], pain_worst_24h=1), checkin(0, pain_worst_24h=7)),
        False,
    ),
    (
        "9 with a fall",
        snapshot(*BASE_5, checkin(0, pain_worst_24h=9, red_flags={"fall_or_injury"})),
        False,
    ),
    (
        "no baseline: 2 check-ins before",
        snapshot(*daily([-2, -1], pain_worst_24h=1), checkin(0, pain_worst_24h=9)),
        None,
    ),
    (
        "baseline only from the 7 days before",
        snapshot(*daily([-10, -9, -8], pain_worst_24h=1), checkin(0, pain_worst_24h=9)),
        None,
    ),
)
def test_sudden_severe_pain(snap, expected):
    assert evaluate("sudden_severe_pain", snap).holds is expected


def _fracture_history(pwb=3, aid="none"):
    return daily([-8, -7, -6, -5, -4, -3, -2], pain_weight_bearing=pwb, walking_aid=aid)


@cases(
    (
        "both days +2 with night pain",
        snapshot(
            *_fracture_history(),
            checkin(-1, pain_weight_bearing=5, night_or_rest_pain=True),
            checkin(0, pain_weight_bearing=6, night_or_rest_pain=True),
        ),
        True,
    ),
    (
        "both days +2, heavier aid",
        snapshot(
            *_fracture_history(aid="cane"),
            checkin(-1, pain_weight_bearing=5, walking_aid="crutches"),
            checkin(0, pain_weight_bearing=6, walking_aid="walker"),
        ),
        True,
    ),
    (
        "aid heavier on D-1, the same on D",
        snapshot(
            *_fracture_history(aid="cane"),
            checkin(-1, pain_weight_bearing=5, walking_aid="crutches"),
            checkin(0, pain_weight_bearing=6, walking_aid="crutches"),
        ),
        False,
    ),
    (
        "D only +1.x",
        snapshot(
            *_fracture_history(),
            checkin(-1, pain_weight_bearing=5, night_or_rest_pain=True),
            checkin(0, pain_weight_bearing=4, night_or_rest_pain=True),
        ),
        False,
    ),
    (
        "same aid as the week before, no night pain",
        snapshot(
            *_fracture_history(aid="crutches"),
            checkin(-1, pain_weight_bearing=6, walking_aid="crutches"),
            checkin(0, pain_weight_bearing=7, walking_aid="crutches"),
        ),
        False,
    ),
    (
        "no check-in the day before",
        snapshot(*_fracture_history(), checkin(0, pain_weight_bearing=6, night_or_rest_pain=True)),
        None,
    ),
    (
        "no baseline",
        snapshot(
            checkin(-1, pain_weight_bearing=6, night_or_rest_pain=True),
            checkin(0, pain_weight_bearing=6, night_or_rest_pain=True),
        ),
        None,
    ),
)
def test_possible_fracture(snap, expected):
    assert evaluate("possible_fracture", snap).holds is expected


def _two_windows(previous, last, previous_days=7, last_days=7):
    prev = [checkin(-13 + n, pain_worst_24h=previous) for n in range(previous_days)]
    recent = [checkin(-6 + n, pain_worst_24h=last) for n in range(last_days)]
    return snapshot(*prev, *recent)


@cases(
    ("+2 and 1.4x", _two_windows(5, 7), True),
    ("+2 but only 1.25x", _two_windows(8, 10), False),
    ("1.5x but +1", _two_windows(2, 3), False),
    (
        "exactly +2 and exactly 1.3x",
        snapshot(
            *[checkin(-13 + n, pain_worst_24h=v) for n, v in enumerate([7, 7, 7, 7, 6, 6])],
            *[checkin(-6 + n, pain_worst_24h=v) for n, v in enumerate([9, 9, 9, 9, 8, 8])],
        ),
        True,
    ),
    (
        "just under +2 at 1.3x",
        snapshot(
            *[checkin(-13 + n, pain_worst_24h=v) for n, v in enumerate([7, 7, 7, 7, 6, 6])],
            *[checkin(-6 + n, pain_worst_24h=v) for n, v in enumerate([9, 9, 9, 9, 8, 7])],
        ),
        False,
    ),
    ("4 of 7 days in each window", _two_windows(3, 6, 4, 4), True),
    ("3 of 7 days in the last window", _two_windows(3, 6, 7, 3), None),
    ("3 of 7 days in the previous window", _two_windows(3, 6, 3, 7), None),
)
def test_pain_worsening(snap, expected):
    assert evaluate("pain_worsening", snap).holds is expected


def _returned(high_days: int, low_run: int = 7):
    low = [checkin(-4 - n, pain_now=2) for n in range(1, low_run + 1)]
    recent = [checkin(-4 + n, pain_now=4 if n < high_days else 1) for n in range(5)]
    return snapshot(*low, *recent)


@cases(
    ("3 of 5 after a 7-day low run", _returned(3), True),
    ("2 of 5", _returned(2), False),
    ("run of only 6 low days", _returned(3, low_run=6), False),
    (
        "resolved episode, pain 4",
        snapshot(checkin(0, pain_now=4), episode_resolved=True, resolved_on=day(-3)),
        True,
    ),
    (
        "resolved episode, pain 3",
        snapshot(checkin(0, pain_now=3), episode_resolved=True, resolved_on=day(-3)),
        False,
    ),
    ("resolved episode, no check-in", snapshot(episode_resolved=True, resolved_on=day(-3)), None),
)
def test_pain_returned(snap, expected):
    assert evaluate("pain_returned", snap).holds is expected


@cases(
    (
        "right hip on 2 of 7, left affected",
        snapshot(
            *daily([-6, -1], painful_sides={"left", "right"}), checkin(0, painful_sides={"left"})
        ),
        True,
    ),
    (
        "right hip on 1 of 7",
        snapshot(checkin(-1, painful_sides={"right"}), checkin(0, painful_sides={"left"})),
        False,
    ),
    (
        "right hip 2 days but one is 8 days ago",
        snapshot(checkin(-7, painful_sides={"right"}), checkin(0, painful_sides={"right"})),
        False,
    ),
    (
        "left hip when right affected",
        snapshot(*daily([-1, 0], painful_sides={"left"}), affected_side="right"),
        True,
    ),
    (
        "both affected never holds",
        snapshot(*daily([-1, 0], painful_sides={"left", "right"}), affected_side="both"),
        False,
    ),
    ("no check-ins in 7 days", snapshot(checkin(-9, painful_sides={"right"})), None),
)
def test_other_hip_pain(snap, expected):
    assert evaluate("other_hip_pain", snap).holds is expected


def test_other_hip_pain_says_why_it_never_holds_for_both_sides():
    result = evaluate("other_hip_pain", snapshot(checkin(0), affected_side="both"))
    assert result.reason == "affected side is both: there is no other hip to watch"


@cases(
    (
        "4 of 7",
        snapshot(
            *daily([-6, -4], sleep_disturbed=True), *daily([-2, 0], daily_activities_affected=True)
        ),
        True,
    ),
    ("3 of 7", snapshot(*daily([-6, -4, 0], sleep_disturbed=True), checkin(-1)), False),
    ("4 but one 7 days ago", snapshot(*daily([-7, -4, -2, 0], sleep_disturbed=True)), False),
    ("no check-ins", snapshot(), None),
)
def test_daily_life_affected(snap, expected):
    assert evaluate("daily_life_affected", snap).holds is expected


def _treatment(first: int, last: int, days_since_start: int = 14, first_days=7, last_days=7):
    start = D - dt.timedelta(days=days_since_start)
    first_week = [checkin((start - D).days + n, pain_worst_24h=first) for n in range(first_days)]
    values = last if isinstance(last, list) else [last] * last_days
    last_week = [checkin(-6 + n, pain_worst_24h=value) for n, value in enumerate(values)]
    return snapshot(*first_week, *last_week, home_treatment_started_on=start)


@cases(
    ("14 days, no change", _treatment(6, 6), True),
    ("13 days", _treatment(6, 6, days_since_start=13), False),
    ("down 1 point (>= 1)", _treatment(7, 6), False),
    ("down 0.86 of 5 (17% >= 15%)", _treatment(5, [4, 4, 4, 4, 4, 4, 5]), False),
    ("down 0.43 of 6 (7%)", _treatment(6, [6, 6, 6, 5, 5, 5, 6]), True),
    ("first week with 3 check-ins", _treatment(6, 6, first_days=3), None),
    ("no treatment start", snapshot(*daily(range(-6, 1))), None),
)
def test_no_improvement_2_weeks(snap, expected):
    assert evaluate("no_improvement_2_weeks", snap).holds is expected


@cases(
    ("31 minutes on 3 of 7", snapshot(*daily([-6, -3, 0], morning_stiffness_minutes=31)), True),
    ("30 minutes on 3 of 7", snapshot(*daily([-6, -3, 0], morning_stiffness_minutes=30)), False),
    (
        "31 minutes on 2 of 7",
        snapshot(*daily([-3, 0], morning_stiffness_minutes=31), checkin(-1)),
        False,
    ),
    ("no check-ins", snapshot(), None),
)
def test_morning_stiffness(snap, expected):
    assert evaluate("morning_stiffness", snap).holds is expected


def test_morning_stiffness_threshold_comes_from_the_thresholds_in_force():
    snap = snapshot(*daily([-6, -3, 0], morning_stiffness_minutes=40))
    tuned = Thresholds.from_overrides({"morning_stiffness_minutes": 45})
    assert (
        evaluate("morning_stiffness", snap).holds,
        evaluate("morning_stiffness", snap, tuned).holds,
    ) == (True, False)


def _onset(days):
    return D - dt.timedelta(days=days)


@cases(
    (
        "366 days, pain 3 on 4 of 7",
        snapshot(*daily([-6, -4, -2, 0], pain_now=3), symptom_onset_date=_onset(366)),
        True,
    ),
    (
        "365 days",
        snapshot(*daily([-6, -4, -2, 0], pain_now=3), symptom_onset_date=_onset(365)),
        False,
    ),
    (
        "366 days, pain 3 on 3 of 7",
        snapshot(
            *daily([-4, -2, 0], pain_now=3), checkin(-1, pain_now=2), symptom_onset_date=_onset(366)
        ),
        False,
    ),
    ("366 days, no check-ins", snapshot(symptom_onset_date=_onset(366)), None),
)
def test_not_resolving(snap, expected):
    assert evaluate("not_resolving", snap).holds is expected


@cases(
    ("11 of 14 (79%)", snapshot(adherence=adherence(done=11, prescribed=14)), True),
    ("12 of 15 (80%)", snapshot(adherence=adherence(done=12, prescribed=15)), False),
    (
        "plan in force 6 of 7 days",
        snapshot(adherence=adherence(done=0, prescribed=12, plan_days=6)),
        None,
    ),
    ("no exercise record", snapshot(), None),
)
def test_low_adherence(snap, expected):
    assert evaluate("low_adherence", snap).holds is expected


@cases(
    ("nothing for 3 days", snapshot(checkin(-4), nightly=True), True),
    ("check-in 3 days ago", snapshot(checkin(-3), nightly=True), False),
    ("check-in today only", snapshot(checkin(0), nightly=True), True),
    ("not the nightly sweep", snapshot(checkin(-4)), None),
    ("episode started 2 days ago", snapshot(nightly=True, episode_started_on=day(-2)), None),
)
def test_missed_checkins(snap, expected):
    assert evaluate("missed_checkins", snap).holds is expected


def test_evidence_names_the_dates_values_and_thresholds_that_met_the_rule():
    snap = snapshot(*daily([-6, -3, 0], morning_stiffness_minutes=31), checkin(-1))
    result = evaluate("morning_stiffness", snap)
    assert result.reason == (
        "morning stiffness over 30 minutes on 3 of the last 7 days (≥ 3; 4 days with a check-in)"
    )
    assert result.evidence == {
        "window": ["2026-03-14", "2026-03-20"],
        "met_dates": ["2026-03-14", "2026-03-17", "2026-03-20"],
        "values": {"2026-03-14": 31, "2026-03-17": 31, "2026-03-19": 0, "2026-03-20": 31},
        "missing_dates": ["2026-03-15", "2026-03-16", "2026-03-18"],
        "thresholds": {
            "morning_stiffness_days": 3,
            "window_days": 7,
            "morning_stiffness_minutes_over": 30,
        },
    }


def test_unknown_threshold_overrides_are_refused():
    with pytest.raises(ValueError, match="Unknown FLAG_THRESHOLDS keys"):
        Thresholds.from_overrides({"morning_stifness_minutes": 45})
