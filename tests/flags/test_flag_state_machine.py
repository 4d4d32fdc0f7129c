"""The state machine of one rule's flag (apps/flags/state_machine.py), transition by transition.

Every (flag state, rule result) pair is listed here with the action it must take, and each is
then played through the walk (`apply_rule`) on flags in memory to check that the action does
what it says. The engine tests (test_engine.py, test_order_properties.py) check the same rules
end to end."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from apps.flags.models import Flag, FlagStatus, Resolution
from apps.flags.rules import RULES_BY_CODE, RuleResult
from apps.flags.snapshot import EpisodeSnapshot
from apps.flags.state_machine import TRANSITIONS, Action, FlagState, Holds, action_for, flag_state
from apps.flags.walk import EvaluationOutcome, FlagWrites, _RuleWalk, apply_rule

D = dt.date(2026, 3, 10)
RULE = RULES_BY_CODE["fall_or_injury"]
HOLDS_VALUES = {Holds.HOLDS: True, Holds.DOES_NOT_HOLD: False, Holds.NOT_EVALUATED: None}

U, OPEN, DROP, W, C, UNC, NO = (
    Action.UPDATE,
    Action.OPEN,
    Action.DROP_DATE,
    Action.WITHDRAW,
    Action.CLEAR,
    Action.UNCLEAR,
    Action.NOTHING,
)

#: state: (holds, does not hold, not evaluated)
EXPECTED = {
    FlagState.OPEN_ONLY_ON_DAY: (U, W, NO),
    FlagState.ACKNOWLEDGED_ONLY_ON_DAY: (U, NO, NO),
    FlagState.LIVE_HELD_ON_DAY: (U, DROP, NO),
    FlagState.LIVE_NOT_HELD_ON_DAY: (U, NO, NO),
    FlagState.NO_FLAG: (OPEN, NO, NO),
    FlagState.RESOLVED_COURSE: (NO, NO, NO),
    FlagState.RESOLVED_NOT_CLEARED: (NO, C, NO),
    FlagState.RESOLVED_CLEARED_ON_DAY: (UNC, NO, NO),
    FlagState.RESOLVED_REARMED: (OPEN, NO, NO),
}


def days(*offsets: int) -> list[str]:
    return [(D + dt.timedelta(days=n)).isoformat() for n in offsets]


def flag(status: str = FlagStatus.OPEN, held=(0,), *, cleared_on=None) -> Flag:
    """A flag in memory (never stored) held on the dates ``held`` (offsets from D)."""
    held_dates = days(*held)
    now = timezone.now() - dt.timedelta(hours=1)
    return Flag(
        id=uuid.uuid4(),
        episode_id=uuid.uuid4(),
        patient_id=uuid.uuid4(),
        rule=RULE.code,
        rule_version=RULE.version,
        severity="emergency",
        status=status,
        resolution=Resolution.CLINICIAN if status == FlagStatus.RESOLVED else "",
        opened_at=now,
        last_seen_at=now,
        opened_for_date=dt.date.fromisoformat(held_dates[0]),
        last_held_on=dt.date.fromisoformat(held_dates[-1]),
        held_dates=held_dates,
        cleared_on=cleared_on,
        evidence={"date": held_dates[-1]},
        patient_message="before",
        clinician_summary="before",
    )


#: One or more (live, resolved) pairs that put D in each state.
CASES = {
    FlagState.OPEN_ONLY_ON_DAY: [lambda: (flag(held=(0,)), None)],
    FlagState.ACKNOWLEDGED_ONLY_ON_DAY: [lambda: (flag(FlagStatus.ACKNOWLEDGED, held=(0,)), None)],
    FlagState.LIVE_HELD_ON_DAY: [
        lambda: (flag(held=(-1, 0)), None),
        lambda: (flag(FlagStatus.ACKNOWLEDGED, held=(-1, 0)), None),
        lambda: (flag(held=(0, 1)), None),
    ],
    FlagState.LIVE_NOT_HELD_ON_DAY: [
        lambda: (flag(held=(-1,)), None),
        lambda: (flag(FlagStatus.ACKNOWLEDGED, held=(1,)), None),
    ],
    FlagState.NO_FLAG: [lambda: (None, None)],
    FlagState.RESOLVED_COURSE: [
        lambda: (None, flag(FlagStatus.RESOLVED, held=(-1, 0))),
        lambda: (None, flag(FlagStatus.RESOLVED, held=(1,), cleared_on=D - dt.timedelta(3))),
    ],
    FlagState.RESOLVED_NOT_CLEARED: [
        lambda: (None, flag(FlagStatus.RESOLVED, held=(-2,))),
        lambda: (None, flag(FlagStatus.RESOLVED, held=(-2,), cleared_on=D + dt.timedelta(1))),
    ],
    FlagState.RESOLVED_CLEARED_ON_DAY: [
        lambda: (None, flag(FlagStatus.RESOLVED, held=(-2,), cleared_on=D)),
    ],
    FlagState.RESOLVED_REARMED: [
        lambda: (None, flag(FlagStatus.RESOLVED, held=(-3,), cleared_on=D - dt.timedelta(1))),
    ],
}

TRANSITION_CASES = [
    pytest.param(state, holds, make, id=f"{state}-{holds}-{n}")
    for state, makers in CASES.items()
    for n, make in enumerate(makers)
    for holds in Holds
]


def test_the_table_has_one_action_for_every_state_and_result():
    pairs = set(itertools.product(FlagState, Holds))
    assert set(TRANSITIONS) == pairs
    assert {
        state: tuple(TRANSITIONS[(state, holds)] for holds in Holds) for state in FlagState
    } == EXPECTED


def test_every_state_has_a_case_and_every_action_a_performer():
    assert set(CASES) == set(FlagState)
    assert set(_RuleWalk._PERFORM) == set(Action)


@pytest.mark.parametrize(("state", "holds", "make"), TRANSITION_CASES)
def test_the_state_of_each_case_is_recognised(state, holds, make):
    live, resolved = make()
    assert flag_state(live=live, resolved=resolved, day=D) == state


def test_a_flag_like_value_is_enough_to_tell_the_state():
    """The classification reads only status, held_dates, last_held_on and cleared_on."""
    live = SimpleNamespace(status=FlagStatus.OPEN, held_dates=[D.isoformat()])
    resolved = SimpleNamespace(last_held_on=D - dt.timedelta(1), cleared_on=None)
    assert flag_state(live=live, resolved=None, day=D) == FlagState.OPEN_ONLY_ON_DAY
    assert flag_state(live=None, resolved=resolved, day=D) == FlagState.RESOLVED_NOT_CLEARED


def snapshot_for(live, resolved) -> EpisodeSnapshot:
    some = live or resolved
    return EpisodeSnapshot(
        episode_id=some.episode_id if some else uuid.uuid4(),
        patient_id=some.patient_id if some else uuid.uuid4(),
        evaluated_on=D,
        today=D,
        affected_side="left",
        symptom_onset_date=None,
        home_treatment_started_on=None,
        checkins={},
    )


def columns(item):
    if item is None:
        return None
    return {
        name: list(value) if isinstance(value, list) else value
        for name, value in vars(item).items()
        if not name.startswith("_")
    }


@pytest.mark.django_db
@pytest.mark.parametrize(("state", "holds", "make"), TRANSITION_CASES)
def test_each_transition_does_what_its_action_says(state, holds, make):
    live, resolved = make()
    before = SimpleNamespace(live=columns(live), resolved=columns(resolved))
    result = RuleResult(
        holds=HOLDS_VALUES[holds], reason="a fall was reported", evidence={"red_flags": ["f"]}
    )
    outcome, writes = EvaluationOutcome(), FlagWrites()
    action = action_for(state, result.holds)
    assert action == EXPECTED[state][list(Holds).index(holds)]

    apply_rule(
        rule=RULE,
        snapshot=snapshot_for(live, resolved),
        per_date=[(D, result)],
        live=live,
        resolved=resolved,
        outcome=outcome,
        writes=writes,
    )

    opened = [new for new, _ in writes.new]
    if action != Action.OPEN:
        assert opened == []
    if action not in (Action.NOTHING, Action.CLEAR, Action.UNCLEAR):
        assert columns(resolved) == before.resolved
    AFTER_ACTION[action](live, resolved, outcome, opened, before)


def _after_open(live, resolved, outcome, opened, before):
    [new] = opened
    assert (new.status, new.opened_for_date, new.held_dates) == (
        FlagStatus.OPEN,
        D,
        [D.isoformat()],
    )
    assert (outcome.updated, outcome.withdrawn) == ([], [])


def _after_update(live, resolved, outcome, opened, before):
    assert D.isoformat() in live.held_dates
    assert live.last_seen_at > before.live["last_seen_at"]
    assert outcome.updated == [live.id]
    assert live.last_held_on == max(D, before.live["last_held_on"])
    if before.live["last_held_on"] <= D:
        assert live.evidence["date"] == D.isoformat()
        assert live.clinician_summary == "a fall was reported"


def _after_drop_date(live, resolved, outcome, opened, before):
    assert D.isoformat() not in live.held_dates
    assert live.held_dates == [d for d in before.live["held_dates"] if d != D.isoformat()]
    assert live.status == before.live["status"]
    assert live.opened_for_date == dt.date.fromisoformat(live.held_dates[0])
    assert live.last_held_on == dt.date.fromisoformat(live.held_dates[-1])
    assert outcome.updated == [live.id]
    assert outcome.withdrawn == []


def _after_withdraw(live, resolved, outcome, opened, before):
    assert (live.status, live.resolution, live.held_dates) == (
        FlagStatus.RESOLVED,
        Resolution.WITHDRAWN,
        [],
    )
    assert outcome.withdrawn == [live.id]
    assert outcome.updated == []


def _only_cleared_on_changed(resolved, before):
    changed = {k for k, v in columns(resolved).items() if before.resolved[k] != v}
    assert changed == {"cleared_on"}


def _after_clear(live, resolved, outcome, opened, before):
    assert resolved.cleared_on == D
    _only_cleared_on_changed(resolved, before)


def _after_unclear(live, resolved, outcome, opened, before):
    assert resolved.cleared_on is None
    _only_cleared_on_changed(resolved, before)


def _after_nothing(live, resolved, outcome, opened, before):
    assert (columns(live), columns(resolved)) == (before.live, before.resolved)
    assert (outcome.opened, outcome.updated, outcome.withdrawn) == ([], [], [])


# What each action leaves, checked after it ran (every Action has its entry).
AFTER_ACTION = {
    Action.OPEN: _after_open,
    Action.UPDATE: _after_update,
    Action.DROP_DATE: _after_drop_date,
    Action.WITHDRAW: _after_withdraw,
    Action.CLEAR: _after_clear,
    Action.UNCLEAR: _after_unclear,
    Action.NOTHING: _after_nothing,
}


def test_every_action_has_its_checks():
    assert set(AFTER_ACTION) == set(Action)
