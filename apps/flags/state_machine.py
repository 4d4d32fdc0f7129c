"""What one evaluated date does to one rule's flag: a table of (the flag's state on that date,
the rule's result) → action. Pure: no database, no clock. The walk (apps/flags/walk.py)
classifies the state with `flag_state`, looks the action up with `action_for` and performs it.

The rules of the table (CLINICAL_RULES.md: Dedup; docs/flags.md: Lifecycle and dedup):

- A date that holds updates the live flag (dates, evidence, last seen) or opens one, unless
  it belongs to the course of the last resolved flag (on or before its last held date), or
  that flag has not yet seen a later evaluated date on which the rule did not hold.
- A date that no longer holds leaves the live flag's dates; an open flag left with no date is
  withdrawn (late data showed it never met the rule); an acknowledged flag is never withdrawn
  and keeps its last date (the care team resolves it). After a resolved flag's course, the
  first date that does not hold re-arms the rule (``cleared_on``); a later change that makes
  that very date hold again takes the re-arming back.
- A date on which the rule was not evaluated changes nothing.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Protocol

from apps.flags.models import FlagStatus


class FlagState(enum.StrEnum):
    """One rule's flag as one evaluated date ``D`` finds it."""

    #: An open flag whose only held date is D.
    OPEN_ONLY_ON_DAY = "open_only_on_day"
    #: An acknowledged flag whose only held date is D.
    ACKNOWLEDGED_ONLY_ON_DAY = "acknowledged_only_on_day"
    #: A live (open or acknowledged) flag that holds on D and on other dates.
    LIVE_HELD_ON_DAY = "live_held_on_day"
    #: A live flag that does not list D among its held dates.
    LIVE_NOT_HELD_ON_DAY = "live_not_held_on_day"
    #: No live flag, and no resolved one.
    NO_FLAG = "no_flag"
    #: No live flag; D is on or before the last held date of the last resolved flag.
    RESOLVED_COURSE = "resolved_course"
    #: No live flag; D is after the resolved course and the rule has not stopped holding
    #: before D (not re-armed yet, or re-armed only by a later date).
    RESOLVED_NOT_CLEARED = "resolved_not_cleared"
    #: No live flag; D is the date that re-armed the rule after the resolved course.
    RESOLVED_CLEARED_ON_DAY = "resolved_cleared_on_day"
    #: No live flag; the rule stopped holding on a date before D: re-armed.
    RESOLVED_REARMED = "resolved_rearmed"


class Holds(enum.StrEnum):
    """The rule's result on D (`RuleResult.holds`: True, False, None)."""

    HOLDS = "holds"
    DOES_NOT_HOLD = "does_not_hold"
    NOT_EVALUATED = "not_evaluated"

    @classmethod
    def of(cls, holds: bool | None) -> Holds:
        if holds is None:
            return cls.NOT_EVALUATED
        return cls.HOLDS if holds else cls.DOES_NOT_HOLD


class Action(enum.StrEnum):
    """What the walk does with the date."""

    #: Add D to the live flag's dates; D on or after its latest held date brings its evidence.
    UPDATE = "update"
    #: Open a new flag first met on D.
    OPEN = "open"
    #: Remove D from the live flag's dates; its first and last held dates move with them.
    DROP_DATE = "drop_date"
    #: Withdraw the open flag: late data showed it never met the rule.
    WITHDRAW = "withdraw"
    #: Re-arm the rule after the resolved course: D is the first date that does not hold.
    CLEAR = "clear"
    #: D, which had re-armed the rule, holds after all: not re-armed any more.
    UNCLEAR = "unclear"
    #: Nothing changes.
    NOTHING = "nothing"


H, F, N = Holds.HOLDS, Holds.DOES_NOT_HOLD, Holds.NOT_EVALUATED

#: Every (state, result) pair and its action.
TRANSITIONS: dict[tuple[FlagState, Holds], Action] = {
    (FlagState.OPEN_ONLY_ON_DAY, H): Action.UPDATE,
    (FlagState.OPEN_ONLY_ON_DAY, F): Action.WITHDRAW,
    (FlagState.OPEN_ONLY_ON_DAY, N): Action.NOTHING,
    (FlagState.ACKNOWLEDGED_ONLY_ON_DAY, H): Action.UPDATE,
    # Never withdrawn, and a flag keeps at least one date: the care team acknowledged it on
    # that date's evidence and resolves it themselves (dropping it left no date: an error).
    (FlagState.ACKNOWLEDGED_ONLY_ON_DAY, F): Action.NOTHING,
    (FlagState.ACKNOWLEDGED_ONLY_ON_DAY, N): Action.NOTHING,
    (FlagState.LIVE_HELD_ON_DAY, H): Action.UPDATE,
    (FlagState.LIVE_HELD_ON_DAY, F): Action.DROP_DATE,
    (FlagState.LIVE_HELD_ON_DAY, N): Action.NOTHING,
    (FlagState.LIVE_NOT_HELD_ON_DAY, H): Action.UPDATE,
    (FlagState.LIVE_NOT_HELD_ON_DAY, F): Action.NOTHING,
    (FlagState.LIVE_NOT_HELD_ON_DAY, N): Action.NOTHING,
    (FlagState.NO_FLAG, H): Action.OPEN,
    (FlagState.NO_FLAG, F): Action.NOTHING,
    (FlagState.NO_FLAG, N): Action.NOTHING,
    (FlagState.RESOLVED_COURSE, H): Action.NOTHING,  # the care team resolved this course
    (FlagState.RESOLVED_COURSE, F): Action.NOTHING,
    (FlagState.RESOLVED_COURSE, N): Action.NOTHING,
    (FlagState.RESOLVED_NOT_CLEARED, H): Action.NOTHING,  # resolved, still holding since
    (FlagState.RESOLVED_NOT_CLEARED, F): Action.CLEAR,
    (FlagState.RESOLVED_NOT_CLEARED, N): Action.NOTHING,
    (FlagState.RESOLVED_CLEARED_ON_DAY, H): Action.UNCLEAR,
    (FlagState.RESOLVED_CLEARED_ON_DAY, F): Action.NOTHING,
    (FlagState.RESOLVED_CLEARED_ON_DAY, N): Action.NOTHING,
    (FlagState.RESOLVED_REARMED, H): Action.OPEN,
    (FlagState.RESOLVED_REARMED, F): Action.NOTHING,
    (FlagState.RESOLVED_REARMED, N): Action.NOTHING,
}


def action_for(state: FlagState, holds: bool | None) -> Action:
    return TRANSITIONS[(state, Holds.of(holds))]


class LiveFlag(Protocol):
    """What the state reads of a rule's open or acknowledged flag (a Flag, or a value like it)."""

    @property
    def status(self) -> str: ...
    @property
    def held_dates(self) -> Sequence[str]: ...


class ResolvedFlag(Protocol):
    """What the state reads of a rule's latest resolved flag."""

    @property
    def last_held_on(self) -> dt.date: ...
    @property
    def cleared_on(self) -> dt.date | None: ...


def flag_state(*, live: LiveFlag | None, resolved: ResolvedFlag | None, day: dt.date) -> FlagState:
    """The state of one rule's flag on ``day``: ``live`` is its open or acknowledged flag (or
    None), ``resolved`` its latest resolved one (or None); each has ``status``,
    ``held_dates`` (ISO dates), ``last_held_on`` and ``cleared_on``."""
    if live is not None:
        return _live_state(live, day)
    if resolved is None:
        return FlagState.NO_FLAG
    if day <= resolved.last_held_on:
        return FlagState.RESOLVED_COURSE
    if resolved.cleared_on is None or resolved.cleared_on > day:
        return FlagState.RESOLVED_NOT_CLEARED
    if resolved.cleared_on == day:
        return FlagState.RESOLVED_CLEARED_ON_DAY
    return FlagState.RESOLVED_REARMED


def _live_state(live: LiveFlag, day: dt.date) -> FlagState:
    if day.isoformat() not in live.held_dates:
        return FlagState.LIVE_NOT_HELD_ON_DAY
    if set(live.held_dates) == {day.isoformat()}:
        if live.status == FlagStatus.OPEN:
            return FlagState.OPEN_ONLY_ON_DAY
        return FlagState.ACKNOWLEDGED_ONLY_ON_DAY
    return FlagState.LIVE_HELD_ON_DAY
