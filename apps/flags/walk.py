"""The walk: what one evaluation does to each rule's flags, in memory, and how the changed
rows are written (`FlagWrites`, flushed at the end of the engine's transaction).

Per rule, the evaluated dates are walked in order; each date's (flag state, rule result)
picks an action from the table of apps/flags/state_machine.py. New flags go in one INSERT;
when the partial unique constraint (one open or acknowledged flag per episode and rule)
refuses one because another evaluation opened it meanwhile, the two are merged.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.flags.hooks import flags_opened_after_commit
from apps.flags.models import LIVE_STATUSES, Evaluation, Flag, FlagStatus, Resolution
from apps.flags.rules import Rule, RuleResult, patient_message, severity_of
from apps.flags.snapshot import EpisodeSnapshot
from apps.flags.state_machine import Action, action_for, flag_state

logger = logging.getLogger(__name__)

WITHDRAWN_NOTE = (
    "Withdrawn automatically: with the check-ins that arrived later, no evaluated date meets "
    "this rule any more."
)


@dataclass
class EvaluationOutcome:
    """What one evaluation did: flags opened, updated and withdrawn (ids), per date results."""

    opened: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)
    withdrawn: list[uuid.UUID] = field(default_factory=list)
    dates: list[dt.date] = field(default_factory=list)


#: The flag columns an evaluation may change (the rest belong to the care team).
_ENGINE_FIELDS = (
    "rule_version",
    "severity",
    "evidence",
    "patient_message",
    "clinician_summary",
    "opened_for_date",
    "last_seen_at",
    "last_held_on",
    "held_dates",
    "status",
    "resolution",
    "resolved_at",
    "note",
    "cleared_on",
)


def _engine_values(flag: Flag) -> tuple[Any, ...]:
    # held_dates is copied: the walk replaces it, but a copy keeps the comparison honest.
    return tuple(
        list(flag.held_dates) if name == "held_dates" else getattr(flag, name)
        for name in _ENGINE_FIELDS
    )


class FlagWrites:
    """The flag rows of one evaluation transaction: what was loaded (to write only the columns
    that changed) and the flags to open. Written by `flush`, at the end of the transaction."""

    def __init__(self) -> None:
        self.loaded: dict[uuid.UUID, tuple[Flag, tuple[Any, ...]]] = {}
        self.new: list[tuple[Flag, EvaluationOutcome]] = []

    def track(self, flags: Iterable[Flag]) -> None:
        for flag in flags:
            self.loaded[flag.id] = (flag, _engine_values(flag))

    def open(self, flag: Flag, outcome: EvaluationOutcome) -> None:
        self.new.append((flag, outcome))

    def flush(self) -> None:
        """Updates first (a withdrawn flag must leave the live slot before a new flag for
        its rule takes it), then the new flags."""
        by_columns: dict[tuple[str, ...], list[Flag]] = defaultdict(list)
        for flag, before in self.loaded.values():
            after = _engine_values(flag)
            pairs = zip(_ENGINE_FIELDS, before, after, strict=True)
            changed = tuple(name for name, old, new in pairs if old != new)
            if changed:
                by_columns[changed].append(flag)
        for columns, flags in by_columns.items():
            flags.sort(key=lambda flag: flag.id)
            Flag.objects.bulk_update(flags, columns)
        opened = _insert_flags(self.new)
        flags_opened_after_commit(opened)


#: The columns `_flag_values` sets: they describe the flag's latest qualifying date.
_LATEST_DATE_FIELDS = (
    "rule_version",
    "severity",
    "evidence",
    "patient_message",
    "clinician_summary",
)


def _flag_values(rule: Rule, result: RuleResult, day: dt.date) -> dict[str, Any]:
    return {
        "rule_version": rule.version,
        "severity": str(severity_of(rule, result)),
        "evidence": {"date": day.isoformat(), "reason": result.reason, **result.evidence},
        "patient_message": patient_message(rule, result),
        "clinician_summary": result.reason[:500],
    }


def apply_rule(
    *,
    rule: Rule,
    snapshot: EpisodeSnapshot,
    per_date: list[tuple[dt.date, RuleResult]],
    live: Flag | None,
    resolved: Flag | None,
    outcome: EvaluationOutcome,
    writes: FlagWrites,
) -> None:
    """Walk the evaluated dates in order and open, update, withdraw or re-arm one rule's flag
    (in memory: ``writes`` stores the result). Each date's action is the state machine's
    (apps/flags/state_machine.py), so the open flags depend on the data, not on the order it
    arrived in."""
    _RuleWalk(
        rule=rule, snapshot=snapshot, live=live, resolved=resolved, outcome=outcome, writes=writes
    ).run(per_date)


class _RuleWalk:
    """One rule's walk over the evaluated dates: ``live`` is its open or acknowledged flag (or
    None), ``resolved`` its latest resolved one (or None)."""

    def __init__(
        self,
        *,
        rule: Rule,
        snapshot: EpisodeSnapshot,
        live: Flag | None,
        resolved: Flag | None,
        outcome: EvaluationOutcome,
        writes: FlagWrites,
    ) -> None:
        self.rule = rule
        self.snapshot = snapshot
        self.live = live
        self.resolved = resolved
        self.outcome = outcome
        self.writes = writes
        self.now = timezone.now()
        self.changed = False
        self.evidence_stale = False
        self.opened_here = False

    def run(self, per_date: list[tuple[dt.date, RuleResult]]) -> None:
        for day, result in per_date:
            state = flag_state(live=self.live, resolved=self.resolved, day=day)
            self._PERFORM[action_for(state, result.holds)](self, day, result)
        self._finish()

    def _update(self, day: dt.date, result: RuleResult) -> None:
        live = cast(Flag, self.live)  # the state machine chose this for a live flag
        held = set(live.held_dates)
        if day.isoformat() not in held or day >= live.last_held_on:
            self.changed = True
        held.add(day.isoformat())
        live.held_dates = sorted(held)
        if day >= live.last_held_on:
            for name, value in _flag_values(self.rule, result, day).items():
                setattr(live, name, value)
            live.last_held_on = day
            self.evidence_stale = False
        live.opened_for_date = min(live.opened_for_date, day)
        live.last_seen_at = self.now

    def _open(self, day: dt.date, result: RuleResult) -> None:
        self.live = _new_flag(self.rule, self.snapshot, result, day, self.now)
        self.writes.open(self.live, self.outcome)
        self.opened_here = True

    def _drop_date(self, day: dt.date, result: RuleResult) -> None:
        live = cast(Flag, self.live)  # the state machine chose this for a live flag
        live.held_dates = [d for d in live.held_dates if d != day.isoformat()]
        self.changed = True
        # The flag is for the dates that still hold: its first and last move with them.
        live.opened_for_date = dt.date.fromisoformat(live.held_dates[0])
        if day == live.last_held_on:
            live.last_held_on = dt.date.fromisoformat(live.held_dates[-1])
            self.evidence_stale = True

    def _withdraw(self, day: dt.date, result: RuleResult) -> None:
        live = cast(Flag, self.live)  # the state machine chose this for a live flag
        live.held_dates = [d for d in live.held_dates if d != day.isoformat()]
        self.changed = True
        _withdraw(live, self.now, self.outcome)
        self.live = None

    def _clear(self, day: dt.date, result: RuleResult) -> None:
        cast(Flag, self.resolved).cleared_on = day

    def _unclear(self, day: dt.date, result: RuleResult) -> None:
        # Late data: the day that had stopped the rule now meets it after all.
        cast(Flag, self.resolved).cleared_on = None

    def _nothing(self, day: dt.date, result: RuleResult) -> None:
        return

    _PERFORM: dict[Action, Callable[[_RuleWalk, dt.date, RuleResult], None]] = {
        Action.UPDATE: _update,
        Action.OPEN: _open,
        Action.DROP_DATE: _drop_date,
        Action.WITHDRAW: _withdraw,
        Action.CLEAR: _clear,
        Action.UNCLEAR: _unclear,
        Action.NOTHING: _nothing,
    }

    def _finish(self) -> None:
        live = self.live
        if live is None:
            return
        if self.evidence_stale:
            _refresh_evidence(self.rule, live)
        touched = self.changed or self.evidence_stale or live.last_seen_at == self.now
        if touched and not self.opened_here and live.id not in self.outcome.updated:
            self.outcome.updated.append(live.id)


def _new_flag(
    rule: Rule, snapshot: EpisodeSnapshot, result: RuleResult, day: dt.date, now: dt.datetime
) -> Flag:
    """An open flag for ``rule`` first met on ``day`` (not yet stored)."""
    return Flag(
        episode_id=snapshot.episode_id,
        patient_id=snapshot.patient_id,
        rule=rule.code,
        status=FlagStatus.OPEN,
        opened_at=now,
        opened_for_date=day,
        last_seen_at=now,
        last_held_on=day,
        held_dates=[day.isoformat()],
        **_flag_values(rule, result, day),
    )


def _insert_flags(new: list[tuple[Flag, EvaluationOutcome]]) -> list[Flag]:
    """Store the new flags; returns those stored. One INSERT for all of them, in a savepoint;
    when another evaluation opened one of them meanwhile (the partial unique constraint
    refuses it), each is stored on its own and a refused one updates the winner instead."""
    if not new:
        return []
    new = sorted(new, key=lambda item: (item[0].episode_id, item[0].rule))
    try:
        with transaction.atomic():
            Flag.objects.bulk_create([flag for flag, _ in new])
    except IntegrityError:
        return [flag for flag, outcome in new if _insert_or_merge_flag(flag, outcome)]
    for flag, outcome in new:
        _record_opened(flag, outcome)
    return [flag for flag, _ in new]


def _insert_or_merge_flag(flag: Flag, outcome: EvaluationOutcome) -> bool:
    """Store one new flag; True when stored. When another evaluation opened it between our
    read and our insert, the constraint decided: update theirs with what we saw."""
    try:
        with transaction.atomic():
            flag.save(force_insert=True)
    except IntegrityError:
        winner = Flag.objects.select_for_update().get(
            episode_id=flag.episode_id, rule=flag.rule, status__in=LIVE_STATUSES
        )
        winner.held_dates = sorted({*winner.held_dates, *flag.held_dates})
        if flag.last_held_on >= winner.last_held_on:
            for name in _LATEST_DATE_FIELDS:
                setattr(winner, name, getattr(flag, name))
            winner.last_held_on = flag.last_held_on
        winner.opened_for_date = min(winner.opened_for_date, flag.opened_for_date)
        winner.last_seen_at = flag.last_seen_at
        winner.save()
        outcome.updated.append(winner.id)
        return False
    _record_opened(flag, outcome)
    return True


def _record_opened(flag: Flag, outcome: EvaluationOutcome) -> None:
    outcome.opened.append(flag.id)
    logger.info("flag opened: rule=%s severity=%s flag=%s", flag.rule, flag.severity, flag.id)


def _withdraw(flag: Flag, now: dt.datetime, outcome: EvaluationOutcome) -> None:
    flag.status = FlagStatus.RESOLVED
    flag.resolution = Resolution.WITHDRAWN
    flag.resolved_at = now
    flag.note = WITHDRAWN_NOTE
    outcome.withdrawn.append(flag.id)


def _refresh_evidence(rule: Rule, flag: Flag) -> None:
    """The latest held date changed to one not evaluated in this run: take its evidence from
    that date's evaluation record."""
    record = Evaluation.objects.filter(episode_id=flag.episode_id, date=flag.last_held_on).first()
    stored = record.held.get(rule.code) if record else None
    if stored is None:
        return
    flag.severity = stored["severity"]
    flag.evidence = {
        "date": flag.last_held_on.isoformat(),
        "reason": stored["reason"],
        **stored["evidence"],
    }
    flag.clinician_summary = stored["reason"][:500]
