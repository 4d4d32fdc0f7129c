"""`lost_to_follow_up` at its boundaries (pure: no database; the sweep is in
test_lost_to_follow_up_sweep.py)."""

from __future__ import annotations

import pytest

from apps.flags.rules import RULES_BY_CODE, Thresholds, patient_message, thresholds_in_force
from tests.flags.builders import D, checkin, day, snapshot

T = Thresholds()
RULE = RULES_BY_CODE["lost_to_follow_up"]


def silent(*checkins, checkin_on=None, session_on=None, **fields):
    """The nightly snapshot at D, with the latest check-in and exercise session dates."""
    values = {
        "nightly": True,
        "last_activity": {"checkin": checkin_on, "exercise_session": session_on},
    }
    values.update(fields)
    return snapshot(*checkins, **values)


@pytest.mark.parametrize(
    ("snap", "holds", "days_silent"),
    [
        pytest.param(silent(checkin_on=day(-7)), False, 6, id="6 silent days"),
        pytest.param(silent(checkin_on=day(-8)), True, 7, id="7 silent days"),
        pytest.param(silent(checkin_on=day(-9)), True, 8, id="8 silent days"),
        pytest.param(silent(session_on=day(-2)), False, 1, id="a session but no check-in"),
        pytest.param(
            silent(checkin_on=day(-3), session_on=day(-30)), False, 2, id="a check-in on day -3"
        ),
        pytest.param(
            silent(checkin_on=day(-12), session_on=day(-9)), True, 8, id="the later kind counts"
        ),
        pytest.param(silent(checkin_on=D), False, 0, id="a check-in today"),
        pytest.param(
            silent(episode_started_on=day(-7)), True, 7, id="nothing since enrolment 7 dates ago"
        ),
        pytest.param(
            silent(checkin_on=day(-40), episode_started_on=day(-7)),
            True,
            7,
            id="a back-dated check-in before enrolment: silent since enrolment",
        ),
        pytest.param(
            silent(checkin_on=day(-3), session_on=day(1)),
            False,
            2,
            id="a record after today is not evidence",
        ),
    ],
)
def test_lost_to_follow_up_holds_after_7_silent_local_dates(snap, holds, days_silent):
    result = RULE.evaluate(snap, T)

    assert (result.holds, result.evidence["days_silent"]) == (holds, days_silent)


@pytest.mark.parametrize(
    ("snap", "reason"),
    [
        pytest.param(
            silent(episode_started_on=D),
            f"the episode started on {D}, fewer than 7 days before {D}",
            id="brand-new episode, enrolled today",
        ),
        pytest.param(
            silent(episode_started_on=day(-6)),
            f"the episode started on {day(-6)}, fewer than 7 days before {D}",
            id="enrolled 6 dates ago",
        ),
        pytest.param(
            silent(checkin_on=day(-20), nightly=False),
            "evaluated by the nightly sweep only",
            id="not the nightly sweep",
        ),
        pytest.param(
            silent(checkin_on=day(-20)).for_date(day(-1)),
            "evaluated by the nightly sweep only",
            id="a past date",
        ),
        pytest.param(
            snapshot(nightly=True),
            "the patient's latest records were not loaded",
            id="activity not loaded",
        ),
    ],
)
def test_lost_to_follow_up_is_not_evaluated_without_7_dates_of_episode_or_outside_the_sweep(
    snap, reason
):
    result = RULE.evaluate(snap, T)

    assert (result.holds, result.reason) == (None, reason)


def test_lost_to_follow_up_does_not_hold_on_a_resolved_episode():
    snap = silent(checkin_on=day(-30), episode_resolved=True, resolved_on=day(-20))

    assert RULE.evaluate(snap, T).holds is False


def test_lost_to_follow_up_evidence_has_each_kinds_last_date_the_days_silent_and_the_threshold():
    result = RULE.evaluate(silent(checkin_on=day(-9), session_on=day(-11)), T)

    assert result.evidence == {
        "window": [day(-7).isoformat(), day(-1).isoformat()],
        "last_activity": {"checkin": day(-9).isoformat(), "exercise_session": day(-11).isoformat()},
        "last_activity_date": day(-9).isoformat(),
        "silent_since": day(-8).isoformat(),
        "days_silent": 8,
        "episode_started_on": day(-60).isoformat(),
        "thresholds": {"lost_to_follow_up_days": 7},
    }
    assert result.reason == (
        f"no check-in or exercise session for 8 days (≥ 7) since {day(-8)}: "
        f"last check-in {day(-9)}, last exercise session {day(-11)}"
    )


def test_lost_to_follow_up_says_when_the_patient_was_last_heard_from_when_it_does_not_hold():
    result = RULE.evaluate(silent(checkin_on=day(-10), session_on=day(-4)), T)

    assert result.reason == f"exercise session on {day(-4)}: 3 days silent (< 7)"


def test_lost_to_follow_up_and_missed_checkins_can_both_hold():
    snap = silent(checkin(-9), checkin_on=day(-9))

    assert RULES_BY_CODE["missed_checkins"].evaluate(snap, T).holds is True
    assert RULE.evaluate(snap, T).holds is True


@pytest.mark.parametrize(("days", "holds"), [(9, False), (8, True)])
def test_the_lost_to_follow_up_threshold_is_a_setting(settings, days, holds):
    settings.FLAG_THRESHOLDS = {"lost_to_follow_up_days": days}
    thresholds = thresholds_in_force()

    result = RULE.evaluate(silent(checkin_on=day(-9)), thresholds)

    assert (result.holds, result.evidence["thresholds"]) == (
        holds,
        {"lost_to_follow_up_days": days},
    )


def test_the_lost_to_follow_up_message_asks_the_patient_to_check_in_or_contact_the_care_team():
    message = patient_message(RULE, RULE.evaluate(silent(checkin_on=day(-9)), T))

    assert "not heard from you" in message
    assert "check-in" in message
    assert "contact your care team" in message
    assert not {"fracture", "osteoporosis", "worse"} & set(message.lower().split())
