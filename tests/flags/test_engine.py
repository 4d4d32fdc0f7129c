"""The engine stores outcomes: new flag, update, nothing; dedup; re-open; evaluation records."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.flags.models import Evaluation, Flag, FlagStatus, Resolution
from apps.flags.services import episode_evaluate, flag_resolve
from tests.flags.conftest import TODAY
from tests.flags.factories import quiet_checkin

pytestmark = pytest.mark.django_db


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def live_flags(episode):
    return list(
        Flag.objects.filter(episode=episode, status__in=["open", "acknowledged"]).values_list(
            "rule", "severity", "status"
        )
    )


def test_a_fall_opens_one_emergency_flag_with_the_rule_version_and_evidence(episode):
    quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])

    outcome = episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    flag = Flag.objects.get(episode=episode)
    assert outcome.opened == [flag.id]
    assert (flag.rule, flag.severity, flag.status, flag.rule_version) == (
        "fall_or_injury",
        "emergency",
        "open",
        1,
    )
    assert flag.opened_for_date == TODAY
    assert flag.evidence == {
        "date": "2026-03-10",
        "reason": "Fall or injury reported on 2026-03-10",
        "red_flags": ["fall_or_injury"],
        "thresholds": {"red_flag": "fall_or_injury"},
    }
    assert "999" in flag.patient_message


def test_a_quiet_check_in_opens_no_flag(episode):
    quiet_checkin(episode, TODAY)

    outcome = episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    assert (outcome.opened, Flag.objects.count()) == ([], 0)


def test_evaluating_again_updates_the_open_flag_instead_of_opening_another(episode, clock):
    quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    clock.shift(dt.timedelta(hours=1))

    outcome = episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    flag = Flag.objects.get(episode=episode)
    assert (outcome.opened, outcome.updated) == ([], [flag.id])
    assert flag.last_seen_at > flag.opened_at


def test_the_evaluation_record_lists_held_not_held_and_not_evaluated_rules(episode):
    quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])

    episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    record = Evaluation.objects.get(episode=episode, date=TODAY)
    assert set(record.held) == {"fall_or_injury"}
    assert (
        record.not_held["leg_deformity"]
        == "Leg looking shortened or turned outwards not reported on 2026-03-10"
    )
    assert record.not_evaluated["pain_worsening"] == (
        "last 7 days (2026-03-04..2026-03-10) have check-ins on 1 days (needs 4)"
    )
    assert record.not_evaluated["missed_checkins"] == "evaluated by the nightly sweep only"
    assert record.not_evaluated["lost_to_follow_up"] == "evaluated by the nightly sweep only"
    assert (
        len(record.held) + len(record.not_held) + len(record.not_evaluated) == 22
    )  # 18 + the two outcome rules + the two clinical-course rules


def test_evaluating_a_date_twice_keeps_one_evaluation_record(episode):
    quiet_checkin(episode, TODAY)

    episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    assert Evaluation.objects.filter(episode=episode).count() == 1


def _stiff(episode, *offsets):
    for offset in offsets:
        quiet_checkin(episode, days_ago(offset), morning_stiffness_minutes=45)


def test_a_resolved_flag_does_not_reopen_while_the_rule_keeps_holding(episode, physio):
    _stiff(episode, 6, 5, 4)
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(4)])
    flag_resolve(flag=Flag.objects.get(episode=episode), by=physio, note="Seen in clinic")

    _stiff(episode, 3)
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(3)])

    assert live_flags(episode) == []


def test_a_resolved_flag_reopens_after_a_day_on_which_the_rule_did_not_hold(episode, physio):
    _stiff(episode, 12, 11, 10)
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(10)])
    flag_resolve(flag=Flag.objects.get(episode=episode), by=physio, note="")
    for offset in range(9, 3, -1):
        quiet_checkin(episode, days_ago(offset))
    # 5 days ago the 7-day window has 2 stiff days: the rule stops holding.
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(n) for n in range(9, 3, -1)])
    assert live_flags(episode) == []

    _stiff(episode, 2, 1, 0)
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(2), days_ago(1), TODAY])

    assert live_flags(episode) == [("morning_stiffness", "routine", "open")]
    assert Flag.objects.get(episode=episode, status="open").opened_for_date == TODAY
    assert Flag.objects.get(episode=episode, status="resolved").cleared_on == days_ago(5)


def test_an_open_flag_from_partial_data_is_withdrawn_when_late_data_shows_no_date_meets_it(
    episode,
):
    for offset in (5, 4, 3):
        quiet_checkin(episode, days_ago(offset), pain_worst_24h=2)
    quiet_checkin(episode, TODAY, pain_worst_24h=9)
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    # Late check-ins: high pain on other days (with a fall on two of them, which is another
    # rule), so the baseline is 6.57 and no date meets sudden_severe_pain.
    for offset in (7, 6):
        quiet_checkin(episode, days_ago(offset), pain_worst_24h=10)
    for offset in (2, 1):
        quiet_checkin(episode, days_ago(offset), pain_worst_24h=10, red_flags=["fall_or_injury"])
    episode_evaluate(episode_id=episode.pk, dates=[days_ago(n) for n in range(7, -1, -1)])

    flag = Flag.objects.get(rule="sudden_severe_pain")
    assert (flag.status, flag.resolution, flag.resolved_by) == (
        FlagStatus.RESOLVED,
        Resolution.WITHDRAWN,
        None,
    )


def test_an_acknowledged_flag_is_never_withdrawn(episode, physio):
    from apps.flags.services import flag_acknowledge

    quiet_checkin(episode, TODAY, weight_bearing="none")
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    flag_acknowledge(flag=Flag.objects.get(episode=episode), by=physio, note="")
    quiet_checkin(episode, days_ago(1), weight_bearing="none")

    episode_evaluate(episode_id=episode.pk, dates=[days_ago(1), TODAY])

    assert live_flags(episode) == [("cannot_bear_weight", "emergency", "acknowledged")]
    assert Flag.objects.get(episode=episode).held_dates == ["2026-03-09"]


def test_an_acknowledged_flag_keeps_its_only_date_when_a_correction_stops_it_holding(
    episode, physio
):
    """Before the state machine, dropping the only date of an acknowledged flag raised
    IndexError: the episode's evaluation (and a nightly batch with it) failed every time."""
    from apps.checkins.models import CheckIn
    from apps.flags.services import flag_acknowledge

    checkin = quiet_checkin(episode, TODAY, red_flags=["fall_or_injury"])
    episode_evaluate(episode_id=episode.pk, dates=[TODAY])
    flag_acknowledge(flag=Flag.objects.get(episode=episode), by=physio, note="")
    CheckIn.objects.filter(pk=checkin.pk).update(red_flags=[])

    outcome = episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    flag = Flag.objects.get(episode=episode)
    assert (flag.status, flag.held_dates, flag.last_held_on) == (
        "acknowledged",
        [TODAY.isoformat()],
        TODAY,
    )
    assert (outcome.opened, outcome.withdrawn) == ([], [])
    assert "fall_or_injury" in Evaluation.objects.get(episode=episode, date=TODAY).not_held


def test_both_infection_signs_make_an_emergency_flag(episode):
    quiet_checkin(episode, TODAY, red_flags=["fever_or_unwell", "hip_hot_or_swollen"])

    episode_evaluate(episode_id=episode.pk, dates=[TODAY])

    assert live_flags(episode) == [("infection_signs", "emergency", "open")]
